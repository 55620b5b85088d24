"""The notebook pipelines: what the students get and what the staff get."""

from generator.steps import (
                             AddExportCell,
                             AddOtterInit,
                             AssignCellIds,
                             ClearOutputs,
                             CoalesceStreams,
                             Execute,
                             RenderTemplate,
                             SetMetadata,
                             StableWidgetIds,
                             Validate,
)

# Both variants render alike; resources["variant"] decides what the template shows.
RENDER = [RenderTemplate(), AddOtterInit(), AddExportCell(), SetMetadata(),
          ClearOutputs(), AssignCellIds(), Validate()]

STUDENT = RENDER
# The solution notebook ships executed; it needs its support files and tests beside it.
SOLUTION = RENDER + [Execute(), CoalesceStreams(), StableWidgetIds(), Validate()]
