"""Remote help (远程帮办, issue 16): in a live chat, staff check an enterprise's materials for one
catalog item (pre-check, 材料预审) and fill its application draft together with it.

Parts: ``states`` (the help session's and the checklist entries' statuses and their one transition
table each), ``files`` (what an uploaded file is, judged by its content, and its cleaned copy),
``file_worker`` (the child process that decodes uploads under memory and CPU limits), ``draft``
(the shared application form, a version per field), ``pdf`` (the draft and the summary as PDF with
an embedded Chinese font), ``service`` (store, rules and live frames), ``api`` (the routes).
"""
