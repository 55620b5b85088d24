"""Notebook transformations, one small class per file; a pipeline is a list of them.

Every step is called as ``step(nb, resources) -> nb``. ``resources`` carries the build's
context: ``assignment``, ``variant`` ("student" or "solution"), ``seed`` and, for steps that
run code, ``workdir``.
"""

from generator.steps.add_export_cell import AddExportCell
from generator.steps.add_otter_init import AddOtterInit
from generator.steps.assign_cell_ids import AssignCellIds
from generator.steps.clear_outputs import ClearOutputs
from generator.steps.coalesce_streams import CoalesceStreams
from generator.steps.execute import Execute
from generator.steps.render_template import RenderTemplate
from generator.steps.set_metadata import SetMetadata
from generator.steps.stable_widget_ids import StableWidgetIds
from generator.steps.validate import Validate


def run_pipeline(steps, resources, nb=None):
    for step in steps:
        nb = step(nb, resources)
    return nb


__all__ = [
    "AddExportCell", "AddOtterInit", "AssignCellIds", "ClearOutputs", "CoalesceStreams",
    "Execute", "RenderTemplate", "SetMetadata", "StableWidgetIds", "Validate", "run_pipeline",
]
