"""The main job (README command 1): the whole product end to end against the sandbox, through the
same Dagster jobs and sensor the schedules use.

`cli` is the command (`ledgerlink demo` hands over to it); `run` the five steps; `dagster_path`
materializes jobs for the tenant partition and evaluates sensors on the project's own
DagsterInstance; `business` acts in the sandbox as the business would; `summary` reads the
figures back from the store and the sandbox.
"""
