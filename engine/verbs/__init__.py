"""The verbs clerks expect (退回, 撤回, 转办, 委派, 会签, 催办, 挂起/恢复, 终止, 不予受理) and
the 好差评 rating.

Each verb is an engine command run through ``runtime.executor.execute``: one transaction,
the case locked, an audit event naming the actor and the reason.  Modules:

* ``returns``     — return to an earlier step and withdraw one's own completion (the
                    parallel work a return unwinds is kept and re-applied by the runtime:
                    ``runtime.returned_work``);
* ``handover``    — transfer within a department, delegate to anyone and resolve;
* ``countersign`` — multi-instance user tasks across departments (all / any / quorum;
                    routing each instance is ``runtime.multi_instance``);
* ``urges``       — nudging an open task;
* ``case_control``— suspend, resume, terminate, refuse at the window;
* ``ratings``     — the applicant's rating and the rectification of bad ones;
* ``guards``      — the checks ordinary task commands share with the verbs;
* ``serializers`` — what the verbs add to the case and task JSON.

The verbs are part of the services layer (docs/ARCHITECTURE.md).
"""
