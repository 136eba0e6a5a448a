"""Planning: what every Snakemake start-up does before a job runs (dry runs too).

- `listing`: the input folder's files, listed once (hidden, system and unsafely named ones
  become entries of their own), clip names, the pairs layouts' naming;
- `layouts`: one reader per dataset layout behind one interface, and their detection;
- `jobunits`: entries grouped into the stage 0-1 job units, each unit's manifest, the plan and
  the input state that lets an unchanged folder skip planning;
- `forked`: the per-file work of planning (stats, hashes, manifests) in forked processes.

The records planning hands on (`records.Entry`, the reasons of inputs that are not clip
candidates) live in `f5flow.records`, where the aggregates read them without planning.
"""
