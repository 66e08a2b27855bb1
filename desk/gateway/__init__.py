"""The desk's WebSockets: the public widget's (``widget``) and the staff console's (``console``)."""
