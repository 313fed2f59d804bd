#!/usr/bin/env python3
"""Per-file mutation scores of one or more cargo-mutants runs
(docs/testing.md): reads each run's outcomes.json, counts caught, missed,
timed-out and unviable mutants per file, and lists every survivor.
A mutant tried in several runs counts once, as its last run found it.

    bench/mutants_score.py target/mutants/model/mutants.out/outcomes.json [...]
"""
import collections
import json
import sys

outcomes = {}
for path in sys.argv[1:] or ["target/mutants/model/mutants.out/outcomes.json"]:
    with open(path) as f:
        for o in json.load(f)["outcomes"]:
            if o["scenario"] == "Baseline":
                continue
            outcomes[o["scenario"]["Mutant"]["name"]] = (o["scenario"]["Mutant"], o["summary"])

per_file = collections.defaultdict(collections.Counter)
survivors = []
for name, (mutant, summary) in sorted(outcomes.items()):
    per_file[mutant["file"]][summary] += 1
    if summary == "MissedMutant":
        survivors.append(name)

print(f"{'file':32} {'tried':>5} {'viable':>6} {'caught':>6} {'timeout':>7} {'missed':>6}  score")
total = collections.Counter()
for file, c in sorted(per_file.items()):
    total.update(c)
for file, c in sorted(per_file.items()) + [("all", total)]:
    caught = c["CaughtMutant"] + c["Timeout"]
    viable = caught + c["MissedMutant"]
    score = f"{100 * caught / viable:.1f}%" if viable else "-"
    print(f"{file:32} {sum(c.values()):5} {viable:6} {c['CaughtMutant']:6} {c['Timeout']:7} "
          f"{c['MissedMutant']:6}  {score}")
if survivors:
    print("\nsurvivors:")
    for name in survivors:
        print("  " + name)
