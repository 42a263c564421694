"""The BPMN errors govflow itself throws, by their documented codes (docs/PROCESS_AUTHORING.md).

A model catches them with an error boundary event naming the code (or no error at all);
deploy warns about a boundary on such a step that waits for another code.
"""

from __future__ import annotations

#: Thrown by a shared-data pull that could not be made: the provider was unreachable or
#: answered nonsense (``runtime.bpmn_errors``).
SHARED_DATA_UNAVAILABLE = "shared_data_unavailable"
