"""The two notebook pipelines: what the students get and what the staff get."""

from generator.steps import (AddCheckCells, AddExportCell, AddOtterInit, AssignCellIds,
                             ClearOutputs, Execute, RenderTemplate, SetMetadata, StableWidgetIds,
                             Validate)

_COMMON = [RenderTemplate(), AddOtterInit(), AddCheckCells(), AddExportCell(), SetMetadata(),
           ClearOutputs(), AssignCellIds(), Validate()]

STUDENT = list(_COMMON)
SOLUTION_SOURCE = list(_COMMON)
# The solution notebook ships executed; it needs its support files and tests beside it.
SOLUTION = SOLUTION_SOURCE + [Execute(), StableWidgetIds(), Validate()]
