#!/usr/bin/env python3
"""Static checks of the deployment recipes (README "Beyond one machine"):
the Kubernetes manifests parse as YAML and are what they claim (an Indexed
Job using JOB_COMPLETION_INDEX, a merge Job, a shared volume); the Slurm
scripts use the array index; the Dockerfile is a release build on a slim
Swift image run as a non-root user; and every recipe runs the same
yieldstack commands with the same flags as the GNU parallel recipe that CI
runs from the README.

    scripts/check-deploy.py        (from the repository root)"""
import re
import shlex
import sys

import yaml

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def flags(command):
    """The subcommand and the set of --flags of a yieldstack command line."""
    words = shlex.split(command)
    i = words.index("yieldstack")
    return words[i + 1], {w for w in words[i + 1:] if w.startswith("--")}


def commands(text):
    """yieldstack command lines in a text (shell or YAML), one per line."""
    out = []
    for line in text.splitlines():
        line = line.strip().lstrip("-").strip()
        if line.startswith("#") or "yieldstack " not in line:
            continue
        m = re.search(r"(?:exec |^|parallel .*? )(yieldstack (?:run|merge|sweep) .*)", line)
        if m:
            out.append(m.group(1).split(" ::: ")[0])
    return out


# The tested recipe: the fenced block after <!-- recipe:parallel --> in the README.
readme = open("README.md", encoding="utf-8").read()
m = re.search(r"<!-- recipe:parallel -->\s*```sh\n(.*?)```", readme, re.S)
check(m is not None, "README.md: no <!-- recipe:parallel --> block")
recipe = {flags(c)[0]: flags(c)[1] for c in commands(m.group(1))} if m else {}
check(set(recipe) == {"run", "merge"}, f"README recipe: expected a run and a merge command, got {sorted(recipe)}")

# Kubernetes.
docs = {}
for name in ["shard-job.yaml", "merge-job.yaml", "volume.yaml"]:
    path = f"deploy/kubernetes/{name}"
    with open(path, encoding="utf-8") as f:
        docs[name] = yaml.safe_load(f)
    check(isinstance(docs[name], dict) and "kind" in docs[name], f"{path}: not a Kubernetes object")
shard = docs["shard-job.yaml"]
check(shard["kind"] == "Job" and shard["spec"].get("completionMode") == "Indexed", "shard-job.yaml: not an Indexed Job")
container = shard["spec"]["template"]["spec"]["containers"][0]
shard_command = " ".join(container.get("args", []))
check("$JOB_COMPLETION_INDEX" in shard_command, "shard-job.yaml: the command does not use JOB_COMPLETION_INDEX")
env = {e["name"]: e.get("value") for e in container.get("env", [])}
check(env.get("SHARDS") == str(shard["spec"]["completions"]), "shard-job.yaml: SHARDS differs from completions")
check(shard["spec"]["template"]["spec"].get("securityContext", {}).get("runAsNonRoot") is True, "shard-job.yaml: not runAsNonRoot")
merge_job = docs["merge-job.yaml"]
merge_command = " ".join(merge_job["spec"]["template"]["spec"]["containers"][0].get("args", []))
check(docs["volume.yaml"]["kind"] == "PersistentVolumeClaim" and "ReadWriteMany" in docs["volume.yaml"]["spec"]["accessModes"],
      "volume.yaml: not a ReadWriteMany claim")
claims = {v["persistentVolumeClaim"]["claimName"] for d in (shard, merge_job) for v in d["spec"]["template"]["spec"]["volumes"]}
check(claims == {docs["volume.yaml"]["metadata"]["name"]}, f"the Jobs mount {claims}, not the claim of volume.yaml")

# Slurm.
sbatch = open("deploy/slurm/shard.sbatch", encoding="utf-8").read()
check("$SLURM_ARRAY_TASK_ID" in sbatch, "shard.sbatch: does not use SLURM_ARRAY_TASK_ID")
submit = open("deploy/slurm/submit.sh", encoding="utf-8").read()
check("--array=" in submit and "afterok" in submit, "submit.sh: no job array or no afterok dependency for the merge")
merge_sbatch = open("deploy/slurm/merge.sbatch", encoding="utf-8").read()

# Every recipe's commands: the same subcommands with the same flags as the tested one.
for where, text in [("shard-job.yaml", shard_command), ("merge-job.yaml", merge_command),
                    ("shard.sbatch", sbatch), ("merge.sbatch", merge_sbatch)]:
    found = commands(text)
    check(found, f"{where}: no yieldstack command")
    for c in found:
        sub, fl = flags(c)
        expected = recipe.get(sub)
        # The recipe's --paths only makes CI's run small.
        check(expected is not None and fl == expected - {"--paths"}, f"{where}: `{c}` uses {sorted(fl)}, the tested recipe {sorted(expected or [])}")

# Docker.
docker = open("Dockerfile", encoding="utf-8").read()
stages = re.findall(r"^FROM (\S+)", docker, re.M)
check(stages and stages[-1].startswith("swift:") and stages[-1].endswith("-slim"), f"Dockerfile: the final image is {stages[-1:]}, not a Swift slim image")
check("-c release" in docker, "Dockerfile: not a release build")
user = re.findall(r"^USER (\S+)", docker, re.M)
check(user and user[-1] not in ("root", "0"), "Dockerfile: runs as root")
check(all(c["image"].split(":")[0] == "yieldstack" for d in (shard, merge_job) for c in d["spec"]["template"]["spec"]["containers"]),
      "the Jobs do not run the yieldstack image")

for f in failures:
    print("check-deploy:", f, file=sys.stderr)
print(f"check-deploy: {'FAILED' if failures else 'ok'} (Kubernetes, Slurm, Dockerfile against the README recipe)")
sys.exit(1 if failures else 0)
