"""The reforms a window is measured on (docs/REFORMS.md): 容缺受理 (accept with non-key
materials to follow, ``deferrals``) and 告知承诺制 (a signed pledge instead of a
certificate, checked afterwards, ``pledges``).

Part of the services layer: commands run through ``runtime.executor`` like any other, and
the side tasks they open (an overdue deferral, a pledge's check, a revocation) are
completed through ``services.tasks.complete`` with the handlers of ``services.side_tasks``.
"""
