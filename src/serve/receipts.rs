//! Delivery receipts on their way back: each is due at the simulated
//! moment its message reached a final state; until a receiver or
//! transceiver of its account is bound, it is held, and one that is not
//! acknowledged is sent again. None is lost: a receipt leaves the desk only
//! when acknowledged.

use crate::model::{Outcome, Receipt};
use crate::units::Nanos;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;
use tokio::sync::{Notify, mpsc};

/// One receipt for one accepted message.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptJob {
    /// Index of the account (`[serve]` accounts) that submitted it.
    pub account: usize,
    /// The id the client was given for the submit this receipt answers.
    pub message_id: u64,
    /// The model's message whose fate it reports: the same id for a whole
    /// message, the first part's for each part of a concatenated one (an
    /// injected outage that re-decides the message moves all its parts'
    /// receipts).
    pub fate_id: u64,
    /// The handset's number (the submit's destination).
    pub handset: String,
    /// The submit's source address.
    pub sender: String,
    pub submitted_at: Nanos,
    pub done_at: Nanos,
    pub receipt: Receipt,
    pub outcome: Outcome,
    /// The start of the message text, quoted in the receipt (20
    /// characters, `smpp::receipt::quoted`).
    pub text: String,
    /// Cancelled by its sender (cancel_sm) before it was final: the receipt
    /// says `DELETED` (`vocabulary::cancelled_stat`), whatever `receipt` says.
    pub cancelled: bool,
}

#[cfg(test)]
impl ReceiptJob {
    /// A delivered receipt of message `message_id` for account 0, for tests.
    pub(crate) fn sample(message_id: u64) -> ReceiptJob {
        ReceiptJob {
            account: 0,
            message_id,
            fate_id: message_id,
            handset: "819012345678".into(),
            sender: "SIMSMS".into(),
            submitted_at: 0,
            done_at: 0,
            receipt: Receipt::Delivered,
            outcome: Outcome::Delivered,
            text: String::new(),
            cancelled: false,
        }
    }
}

/// Receipts ready to go, per account; each account's bound receivers
/// take from its queue.
pub struct Desk {
    ready: Mutex<Vec<VecDeque<ReceiptJob>>>,
    notify: Vec<Notify>,
    /// Held receipts beyond this per account are dropped (and counted).
    capacity: usize,
    dropped: std::sync::atomic::AtomicU64,
}

impl Desk {
    pub fn new(accounts: usize, capacity: usize) -> Self {
        Desk {
            ready: Mutex::new(vec![VecDeque::new(); accounts]),
            notify: (0..accounts).map(|_| Notify::new()).collect(),
            capacity,
            dropped: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// A receipt is due: queue it for its account's receivers.
    pub fn push(&self, job: ReceiptJob) {
        let account = job.account;
        {
            let mut ready = self.ready.lock().expect("desk lock");
            let queue = &mut ready[account];
            if queue.len() >= self.capacity {
                self.dropped
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return;
            }
            queue.push_back(job);
        }
        self.notify[account].notify_one();
    }

    /// Puts receipts a connection could not get acknowledged back at the
    /// front, in order.
    pub fn give_back(&self, account: usize, jobs: Vec<ReceiptJob>) {
        if jobs.is_empty() {
            return;
        }
        let mut ready = self.ready.lock().expect("desk lock");
        for job in jobs.into_iter().rev() {
            ready[account].push_front(job);
        }
        drop(ready);
        self.notify[account].notify_one();
    }

    /// The next receipt for `account`, if any.
    pub fn take(&self, account: usize) -> Option<ReceiptJob> {
        self.ready.lock().expect("desk lock")[account].pop_front()
    }

    /// Receipts waiting for a receiver, per account.
    pub fn held(&self) -> Vec<usize> {
        self.ready
            .lock()
            .expect("desk lock")
            .iter()
            .map(VecDeque::len)
            .collect()
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Wakes when a receipt for `account` may be ready.
    pub fn notified(&self, account: usize) -> tokio::sync::futures::Notified<'_> {
        self.notify[account].notified()
    }
}

/// What the timer task is asked to do.
enum Order {
    Add(Instant, ReceiptJob),
    /// A message was re-decided: its receipts move to a new time and state.
    Replace {
        message_id: u64,
        at: Instant,
        receipt: Receipt,
        outcome: Outcome,
        done_at: Nanos,
    },
    /// The pending receipts of the model's message `fate_id` (each part's)
    /// changed in place (cancel_sm, replace_sm), and moved to `at` when
    /// given.
    Amend {
        fate_id: u64,
        at: Option<Instant>,
        amendment: Amendment,
    },
}

/// Hands receipts to the desk when they fall due.
pub struct Scheduler {
    sender: mpsc::UnboundedSender<Order>,
    /// When each pending receipt falls due (a multiset), updated before an
    /// order is sent so a stop sees a receipt the moment it is scheduled.
    due_times: std::sync::Arc<Mutex<BTreeMap<Instant, usize>>>,
}

fn count_in(times: &Mutex<BTreeMap<Instant, usize>>, at: Instant) {
    *times.lock().expect("due lock").entry(at).or_insert(0) += 1;
}

fn count_out(times: &Mutex<BTreeMap<Instant, usize>>, at: Instant) {
    let mut times = times.lock().expect("due lock");
    if let Some(n) = times.get_mut(&at) {
        *n -= 1;
        if *n == 0 {
            times.remove(&at);
        }
    }
}

impl Scheduler {
    /// Spawns the timer task on the current runtime.
    pub fn spawn(desk: std::sync::Arc<Desk>) -> Self {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Order>();
        let due_times = std::sync::Arc::new(Mutex::new(BTreeMap::new()));
        let times = due_times.clone();
        tokio::spawn(async move {
            let mut due: BinaryHeap<Reverse<(Instant, u64)>> = BinaryHeap::new();
            let mut jobs: std::collections::HashMap<u64, (Instant, ReceiptJob)> =
                std::collections::HashMap::new();
            let mut sequence = 0u64;
            loop {
                let next = due.peek().map(|Reverse((at, _))| *at);
                tokio::select! {
                    order = receiver.recv() => match order {
                        Some(Order::Add(at, job)) => {
                            due.push(Reverse((at, sequence)));
                            jobs.insert(sequence, (at, job));
                            sequence += 1;
                        }
                        Some(Order::Replace { message_id, at, receipt, outcome, done_at }) => {
                            let old: Vec<u64> = jobs
                                .iter()
                                .filter(|(_, (_, j))| j.fate_id == message_id)
                                .map(|(s, _)| *s)
                                .collect();
                            for s in old {
                                // Its heap entry goes stale and is skipped.
                                let (old_at, mut job) = jobs.remove(&s).expect("listed");
                                count_out(&times, old_at);
                                count_in(&times, at);
                                job.receipt = receipt;
                                job.outcome = outcome;
                                job.done_at = done_at;
                                due.push(Reverse((at, sequence)));
                                jobs.insert(sequence, (at, job));
                                sequence += 1;
                            }
                        }
                        Some(Order::Amend { fate_id, at, amendment }) => {
                            let old: Vec<u64> = jobs
                                .iter()
                                .filter(|(_, (_, j))| j.fate_id == fate_id)
                                .map(|(s, _)| *s)
                                .collect();
                            for s in old {
                                let (old_at, mut job) = jobs.remove(&s).expect("listed");
                                let at = at.unwrap_or(old_at);
                                count_out(&times, old_at);
                                count_in(&times, at);
                                amendment.apply(&mut job);
                                due.push(Reverse((at, sequence)));
                                jobs.insert(sequence, (at, job));
                                sequence += 1;
                            }
                        }
                        None if due.is_empty() => break,
                        None => {
                            // No new jobs: deliver what is left on time.
                            let Some(Reverse((at, _))) = due.peek().copied() else { break };
                            tokio::time::sleep_until(at.into()).await;
                        }
                    },
                    _ = sleep_until(next), if next.is_some() => {}
                }
                let now = Instant::now();
                while let Some(Reverse((at, seq))) = due.peek().copied() {
                    if at > now {
                        break;
                    }
                    due.pop();
                    if let Some((at, job)) = jobs.remove(&seq) {
                        desk.push(job);
                        count_out(&times, at);
                    }
                }
            }
        });
        Scheduler { sender, due_times }
    }

    /// Schedules `job` for wall time `at`.
    pub fn schedule(&self, at: Instant, job: ReceiptJob) {
        count_in(&self.due_times, at);
        // The task only ends after every sender is gone.
        let _ = self.sender.send(Order::Add(at, job));
    }

    /// Some pending receipt falls due no later than `until`.
    pub fn any_due_by(&self, until: Instant) -> bool {
        let times = self.due_times.lock().expect("due lock");
        times.range(..=until).next().is_some()
    }

    /// Moves the pending receipts of the model's message `message_id` (a
    /// `fate_id`) to `at`, with a new state (a receipt already handed to the
    /// desk is not recalled).
    pub fn replace(
        &self,
        message_id: u64,
        at: Instant,
        receipt: Receipt,
        outcome: Outcome,
        done_at: Nanos,
    ) {
        let _ = self.sender.send(Order::Replace {
            message_id,
            at,
            receipt,
            outcome,
            done_at,
        });
    }
}

impl Scheduler {
    /// Changes the pending receipts of the model's message `fate_id` (every
    /// part's, for a concatenated message; a receipt already handed to the
    /// desk is not recalled), moving them to `at` if given.
    pub fn amend(&self, fate_id: u64, at: Option<Instant>, amendment: Amendment) {
        let _ = self.sender.send(Order::Amend {
            fate_id,
            at,
            amendment,
        });
    }
}

/// How a pending receipt changes after its submit.
#[derive(Debug, Clone, PartialEq)]
pub enum Amendment {
    /// cancel_sm: final at simulated `done_at` as cancelled (`DELETED`),
    /// recorded as `outcome`.
    Cancelled { outcome: Outcome, done_at: Nanos },
    /// replace_sm: the text the receipt quotes.
    Text(String),
}

impl Amendment {
    fn apply(&self, job: &mut ReceiptJob) {
        match self {
            Amendment::Cancelled { outcome, done_at } => {
                job.cancelled = true;
                job.outcome = *outcome;
                job.done_at = *done_at;
            }
            Amendment::Text(text) => job.text = text.clone(),
        }
    }
}

impl ReceiptJob {
    /// The receipt's `stat:`, message_state and `err:` (from
    /// `protocol::vocabulary`).
    pub fn words(&self) -> (&'static str, rusmpp::values::MessageState, u16) {
        use crate::protocol::vocabulary::{cancelled_stat, network_error, smpp_stat};
        if self.cancelled {
            return cancelled_stat();
        }
        let (stat, state) = smpp_stat(self.receipt);
        (stat, state, network_error(self.receipt, self.outcome))
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn job(message_id: u64) -> ReceiptJob {
        ReceiptJob::sample(message_id)
    }

    /// Polls `done` every 5 ms; fails the test with `state` after 5 s.
    async fn poll_until(done: impl Fn() -> bool, state: impl Fn() -> String) {
        let poll = async {
            while !done() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(5), poll)
            .await
            .is_err()
        {
            panic!("after 5 s: {}", state());
        }
    }

    #[test]
    fn receipts_beyond_the_desk_s_bound_are_dropped_and_counted() {
        let desk = Desk::new(1, 2);
        for id in 0..5 {
            desk.push(job(id));
        }
        assert_eq!(desk.held(), vec![2]);
        assert_eq!(desk.dropped(), 3);
        assert_eq!(desk.take(0).map(|j| j.message_id), Some(0));
    }

    #[tokio::test]
    async fn a_pending_receipt_s_time_is_forgotten_once_it_is_handed_over() {
        // What a stop consults: it waits while some receipt still falls
        // due within the flush, and no longer.
        let desk = Arc::new(Desk::new(1, 10));
        let scheduler = Scheduler::spawn(desk.clone());
        let now = Instant::now();
        let (soon, later) = (
            now + Duration::from_millis(300),
            now + Duration::from_millis(1300),
        );
        scheduler.schedule(soon, job(1));
        scheduler.schedule(soon, job(2));
        scheduler.schedule(later, job(3));
        assert!(scheduler.any_due_by(soon));
        assert!(
            !scheduler.any_due_by(now),
            "nothing is due before the first"
        );
        // Polled: the desk gets each receipt just before its time is
        // forgotten. First the two due soon, while the third is pending.
        let state = || format!("{:?} held", desk.held());
        poll_until(
            || desk.held() == vec![2] && !scheduler.any_due_by(soon),
            state,
        )
        .await;
        assert!(scheduler.any_due_by(later), "the third forgotten early");
        let far = now + Duration::from_secs(3600);
        poll_until(
            || desk.held() == vec![3] && !scheduler.any_due_by(far),
            state,
        )
        .await;
    }
}
