"""Written notices (文书) and the in-app inbox.

A notice is the written, sealed and dated confirmation the law asks for (Administrative
Licensing Law arts. 32, 38, 42): 受理通知书, 补正告知书, 不予受理决定书, 延期告知书,
办结通知书, and the confirmations of the reforms (容缺受理, 告知承诺).  Each is numbered per
issuing department and year without gaps (``numbering``), rendered to PDF from a template
of its matter or the default (``templates``, ``pdf``) and stored, never changed
(``models``).  ``issuing.issue_notice`` is the one way to issue one, inside the command
that decides it.

``inbox`` writes the notifications people read in the app (the applicant: accepted,
supplement requested, refused, ...); each of its outbound channels (e-mail, SMS) becomes a
delivery and a job in the same transaction (``deliveries``), sent outside it.
"""
