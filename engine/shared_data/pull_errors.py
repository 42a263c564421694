"""What a pull that could not be made means to the process (docs/PROCESS_AUTHORING.md).

The provider was unreachable or answered nonsense: the pull throws the BPMN error
``shared_data_unavailable``, which an error boundary event on its service task may catch
(``runtime.bpmn_errors``); uncaught, the material is uploaded instead.
"""

from __future__ import annotations

#: Pull outcomes (``exchange``) meaning the request could not be answered.
FAILED_OUTCOMES = ("unavailable", "error")
#: The documented error code such a pull throws.
SHARED_DATA_UNAVAILABLE = "shared_data_unavailable"
