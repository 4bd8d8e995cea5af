"""The same path the schedules and the sensor use, run in-process: the orchestration's jobs
materialized for a tenant partition, the sensors evaluated, on a DagsterInstance kept under the
project (`.ledgerlink/dagster`), so `dagster dev` on that DAGSTER_HOME shows the runs."""

import logging
import os
from pathlib import Path

import dagster as dg

from ledgerlink import config
from ledgerlink.errors import LedgerlinkError
from ledgerlink_orchestration.definitions import defs
from ledgerlink_orchestration.jobs import TenantJob
from ledgerlink_orchestration.meltano import MeltanoResource
from ledgerlink_orchestration.resources import TokenStoreResource
from ledgerlink_orchestration.sensors import paid_invoices, tenant_discovery

RUN_KEY_TAG = "dagster/run_key"
SENSOR_TAG = "dagster/sensor_name"


def dagster_home() -> Path:
    """The project's DAGSTER_HOME: run history, sensor cursors and logs of the sandbox setup."""
    return config.state_dir() / "dagster"


# The instance of the sandbox setup: local storage under the project, no usage statistics sent.
_INSTANCE_CONFIG = "telemetry:\n  enabled: false\n"
# Runs print nothing to the terminal: their events and the Meltano log are in the run history.
_QUIET_RUN = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def use_project_home() -> Path:
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config_file = home / "dagster.yaml"
    if not config_file.exists():
        config_file.write_text(_INSTANCE_CONFIG)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


class DagsterPath:
    """Jobs and sensors of the code location, run on one instance."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self.instance = instance
        self._cursor: str | None = None
        self._log_handler: logging.Handler | None = None

    def _sensor_context(self) -> dg.SensorEvaluationContext:
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self._cursor,
            resources={"tokens": TokenStoreResource(), "meltano": MeltanoResource()},
        )
        # A sensor's log goes to the console (as in `dagster dev`'s daemon); here the terminal
        # shows the main job's progress only, so the sensors' lines go to the log file.
        _route(context.log, self._log_file())
        return context

    def _log_file(self) -> logging.Handler:
        if self._log_handler is None:
            path = sensor_log()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._log_handler = logging.FileHandler(path)
            self._log_handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(message)s")
            )
        return self._log_handler

    def discover_tenants(self) -> list[str]:
        """One tick of the tenant discovery sensor: the tenants it added as partitions."""
        result = tenant_discovery(self._sensor_context())
        added: list[str] = []
        if isinstance(result, dg.SensorResult):
            for request in result.dynamic_partitions_requests or []:
                if isinstance(request, dg.AddDynamicPartitionsRequest):
                    self.instance.add_dynamic_partitions(
                        request.partitions_def_name, list(request.partition_keys)
                    )
                    added += request.partition_keys
        return added

    def run(
        self, tenant_job: TenantJob, tenant: str, tags: dict[str, str] | None = None
    ) -> dg.ExecuteInProcessResult:
        """The job for the tenant's partition, as a schedule launches it (its lock tags)."""
        job = defs.resolve_job_def(tenant_job.job.name)
        result = job.execute_in_process(
            partition_key=tenant,
            instance=self.instance,
            tags=tenant_job.tags(tenant) | (tags or {}),
            run_config=_QUIET_RUN,
            raise_on_error=False,
        )
        if not result.success:
            raise LedgerlinkError(
                f"Dagster job {job.name} failed for tenant '{tenant}': {_failure(result)} "
                f"(run {result.run_id}: `python3 tasks.py ui` shows its log)"
            )
        return result

    def paid_invoice_tick(self, tenant_job: TenantJob) -> list[dg.ExecuteInProcessResult]:
        """One tick of the paid-invoice sensor, and the runs it requests (a run key already
        launched is not launched again, as the daemon does)."""
        result = paid_invoices(self._sensor_context())
        assert isinstance(result, dg.SensorResult)
        self._cursor = result.cursor
        runs = []
        for request in result.run_requests or []:
            key = request.run_key or ""
            if key and self._launched(key):
                continue
            assert request.partition_key is not None
            tags = dict(request.tags) | {RUN_KEY_TAG: key, SENSOR_TAG: "paid_invoices"}
            runs.append(self.run(tenant_job, request.partition_key, tags))
        return runs

    def _launched(self, run_key: str) -> bool:
        found = self.instance.get_runs(
            filters=dg.RunsFilter(tags={RUN_KEY_TAG: run_key, SENSOR_TAG: "paid_invoices"}),
            limit=1,
        )
        return bool(found)


def sensor_log() -> Path:
    """Where the main job's sensor ticks log (their runs log into the run history)."""
    return config.state_dir() / "logs" / "mainjob-sensors.log"


def _route(logger: logging.Logger, handler: logging.Handler) -> None:
    for existing in list(logger.handlers):
        logger.removeHandler(existing)
    logger.propagate = False
    logger.addHandler(handler)


def _failure(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            user = event.step_failure_data.user_failure_data
            if user is not None and user.description:
                return user.description
            if error is not None:
                return error.message.strip().splitlines()[-1]
    return "see the run in the Dagster UI"
