"""The same M/M/1 queue as `simsms bench mm1`, in SimPy: Poisson arrivals
at rate LAMBDA, one server with exponential service at rate MU, FIFO.
Prints the wall time, SimPy's event count and the mean wait in queue."""

import random
import sys
import time

import simpy


def customer(env, server, mu, waits):
    arrived = env.now
    with server.request() as request:
        yield request
        waits.append(env.now - arrived)
        yield env.timeout(random.expovariate(mu))


def source(env, customers, lam, mu, server, waits):
    for _ in range(customers):
        env.process(customer(env, server, mu, waits))
        yield env.timeout(random.expovariate(lam))


def main():
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    lam = float(sys.argv[2]) if len(sys.argv) > 2 else 0.9
    mu = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    random.seed(1)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    waits = []
    env.process(source(env, customers, lam, mu, server, waits))
    started = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - started
    rho = lam / mu
    mean_wait = sum(waits) / len(waits)
    print(
        f"simpy M/M/1: {len(waits)} customers in {seconds:.3f} s "
        f"({seconds / len(waits) * 1e6:.3f} us/customer); mean wait {mean_wait:.4f} "
        f"(theory rho/(mu(1-rho)) = {rho / (mu * (1 - rho)):.4f})"
    )


if __name__ == "__main__":
    main()
