import json
import re

import nbformat


class StableWidgetIds:
    """Widget model ids are random UUIDs: renumber them by first appearance, everywhere they
    occur (outputs and saved widget state), so an executed notebook is the same every build."""

    def __call__(self, nb, resources):
        text = json.dumps(nb, sort_keys=True)
        state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        ids = list(dict.fromkeys(re.findall(r'"model_id": "([0-9a-f]{32})"', text) + list(state.get("state", {}))))
        for i, model_id in enumerate(ids):
            text = text.replace(model_id, f"{i:032x}")
        return nbformat.from_dict(json.loads(text))
