"""On-site appointments (在线预约): half-hour slots of service halls on working days, exact bookings,
look-up and cancellation by confirmation code, each day's list, reminders the day before.

``slots`` (pure: hours, slots, the calendar), ``service`` (the store; ``Appointments`` is the async
face routers and the remote-help session call), ``api`` (the router).
"""
