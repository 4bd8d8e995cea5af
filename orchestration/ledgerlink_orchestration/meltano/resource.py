"""MeltanoResource: `meltano --log-format=json run` for one tenant, its log in the Dagster run.

The lock rule. Meltano refuses a run while another with the same state ID looks alive, and a
crashed run's lock looks alive for minutes ("already running ... use --force"). Every run here
uses the state ID suffix = tenant, so Meltano's lock is per (tenant, Meltano job), and every
Dagster run that executes a Meltano job carries the run tag `meltano/<job>=<tenant>`
(set at launch by schedules and sensors, so the run queue's tag limit in dagster.yaml admits one
at a time, and added at start for runs launched by hand). When Meltano refuses, the resource
looks for another live Dagster run with that tag: if there is one, this run fails (the other is
doing the work); if there is none, the lock belongs to a dead run and the run is repeated with
`--force`. Meltano jobs of tenants Dagster manages are therefore only run through Dagster.

Tenants share nothing in a run: the state ID and the plugins' `tenant` setting name the tenant,
and an extractor with a `load_schema` (the raw copies) loads into the tenant's own schema
(`ledgerlink.raw_copies`: `raw_quickbooks_<tenant>`).
"""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from pydantic import Field

from ledgerlink import db, raw_copies
from ledgerlink_orchestration.meltano.catalogs import CatalogCache
from ledgerlink_orchestration.meltano.log import LogLine, RunSummary, parse_line
from ledgerlink_orchestration.meltano.project import MeltanoProject, setting_variable

LOCK_TAG_PREFIX = "meltano/"
_LIVE = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
# Meltano makes no outbound calls of its own from a scheduled run.
_QUIET = {
    "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
}

Context = dg.AssetExecutionContext | dg.OpExecutionContext


@dataclass(frozen=True)
class _Invocation:
    """One `meltano run` as asked for: the job, its tenant, extra flags, state and variables."""

    job: str
    tenant: str
    args: tuple[str, ...]
    state_id_suffix: str
    env: Mapping[str, str]


def lock_tag(job: str) -> str:
    """The run tag that says which tenant's `job` a Dagster run executes."""
    return LOCK_TAG_PREFIX + job


def tenant_variable(plugin: str) -> str:
    # A plugin setting's own variable outranks the environment's `env:` block in meltano.yml.
    return setting_variable(plugin, "tenant")


class MeltanoResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Runs `meltano run` in the ledgerlink Meltano project for one tenant."""

    project_dir: str = Field(
        default="", description="Meltano project; empty = LEDGERLINK_MELTANO_PROJECT or upwards"
    )
    environment: str = Field(
        default="", description="Meltano environment; empty = the project's default"
    )
    executable: str = Field(
        default="", description="meltano executable; empty = beside Python, else on PATH"
    )
    termination_timeout_seconds: float = 20.0

    def project(self) -> MeltanoProject:
        return MeltanoProject.find(self.project_dir)

    def run(
        self,
        context: Context,
        job: str,
        tenant: str,
        *,
        args: Sequence[str] = (),
        state_id_suffix: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> RunSummary:
        """Run `job` (a meltano.yml job or blocks) for `tenant`; dg.Failure with the plugin's
        own one-line error when it fails. A stop at the Pipedrive token reserve (exit status 75
        and the plugin's stop line) is not a failure: the summary says it (`budget_stop`).
        `state_id_suffix` (default: the tenant) picks the Meltano state and lock; `env` adds
        variables (plugin settings) for this run. A run on another state ID than the tenant's
        (a backfill) meets no Meltano lock, so it refuses to start beside a live Dagster run of
        the same job and tenant instead."""
        project = self.project()
        self._claim(context, job, tenant)
        if state_id_suffix not in (None, tenant):
            others = self._live_runs(context, job, tenant)
            if others:
                raise dg.Failure(
                    description=(
                        f"Meltano job {job} of tenant '{tenant}' is running in Dagster run "
                        f"{others[0]}: launch this run again once it is done"
                    ),
                    allow_retries=False,
                )
        invocation = _Invocation(job, tenant, tuple(args), state_id_suffix or tenant, env or {})
        summary = self._run_once(context, project, invocation, force=False)
        if not summary.succeeded and summary.refused_as_already_running:
            others = self._live_runs(context, job, tenant)
            if others:
                msg = (
                    f"Meltano job {job} of tenant '{tenant}' is running in Dagster run "
                    f"{others[0]}; this run leaves it the work"
                )
                raise dg.Failure(description=msg)
            context.log.warning(
                f"Meltano keeps the lock of a run that died ({job}, tenant '{tenant}') and no "
                "other Dagster run holds it: running again with --force"
            )
            summary = self._run_once(context, project, invocation, force=True)
        if summary.stopped_at_budget_reserve:
            context.log.warning(f"stopped at the Pipedrive token reserve: {summary.budget_stop}")
        elif not summary.succeeded:
            raise dg.Failure(description=summary.error_line(), metadata=summary.metadata())
        return summary

    # -- the process ----------------------------------------------------------------------------

    def _command(self, run: _Invocation, force: bool) -> list[str]:
        command = [self._executable()]
        if self.environment:
            command.append(f"--environment={self.environment}")
        command += ["--log-format=json", "run", f"--state-id-suffix={run.state_id_suffix}"]
        if force:
            command.append("--force")
        return [*command, *run.args, *run.job.split()]

    def _environment(self, project: MeltanoProject, run: _Invocation) -> dict[str, str]:
        env = dict(os.environ) | _QUIET | {"LEDGERLINK_TENANT": run.tenant}
        for plugin in project.plugins(run.job):
            env[tenant_variable(plugin)] = run.tenant
            # Raw copies land in the tenant's own schema (ledgerlink.raw_copies).
            load_schema = project.load_schema(plugin)
            if load_schema:
                env[raw_copies.load_schema_variable(plugin)] = raw_copies.schema(
                    load_schema, run.tenant
                )
        if "LEDGERLINK_SQLALCHEMY_URL" not in env:
            env["LEDGERLINK_SQLALCHEMY_URL"] = db.sqlalchemy_url(db.dsn())
        return env | dict(run.env)

    def _executable(self) -> str:
        if self.executable:
            return self.executable
        beside = Path(sys.executable).with_name("meltano")
        found = str(beside) if beside.exists() else shutil.which("meltano")
        if found is None:
            raise dg.Failure(description="meltano is not installed: pip install 'meltano~=4.4'")
        return found

    def _run_once(
        self,
        context: Context,
        project: MeltanoProject,
        run: _Invocation,
        *,
        force: bool,
    ) -> RunSummary:
        command = self._command(run, force)
        context.log.info(f"meltano {' '.join(command[1:])}  (tenant '{run.tenant}')")
        summary = RunSummary()
        plugins = project.plugins(run.job)
        catalogs = CatalogCache(project)
        env = self._environment(project, run)
        env = catalogs.variables(plugins) | env  # a catalog set for this run wins
        started = time.time()
        process = subprocess.Popen(
            command,
            cwd=project.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        try:
            assert process.stdout is not None
            for text in process.stdout:
                line = parse_line(text)
                summary.add(line)
                _forward(context, line)
            code = process.wait()
        finally:
            if process.poll() is None:  # Dagster stopped the run: stop Meltano with it
                process.terminate()
                try:
                    process.wait(self.termination_timeout_seconds)
                except subprocess.TimeoutExpired:
                    process.kill()
        if summary.succeeded is None:
            summary.succeeded = code == 0
        elif code != 0:
            summary.succeeded = False
        if summary.succeeded:
            catalogs.keep(plugins, env, since=started)
        return summary

    # -- the lock rule --------------------------------------------------------------------------

    def _claim(self, context: Context, job: str, tenant: str) -> None:
        instance, run_id = context.instance, context.run.run_id
        if instance.has_run(run_id):
            instance.add_run_tags(run_id, {lock_tag(job): tenant})

    def _live_runs(self, context: Context, job: str, tenant: str) -> list[str]:
        records = context.instance.get_run_records(
            dg.RunsFilter(tags={lock_tag(job): tenant}, statuses=_LIVE)
        )
        return [r.dagster_run.run_id for r in records if r.dagster_run.run_id != context.run.run_id]


def _forward(context: Context, line: LogLine) -> None:
    text = line.render()
    if line.metric is not None:
        context.log.debug(text)
    elif line.level in ("error", "critical"):
        context.log.error(text)
    elif line.level == "warning":
        context.log.warning(text)
    else:
        context.log.info(text)
