"""rasa-sdk's own extension point, which is why this package sits at the repository root under this
exact name: ``rasa_sdk.plugin`` (rasa-sdk 3.21) imports a top-level package ``rasa_sdk_plugins`` and
calls its ``init_hooks(manager)``; the hook ``attach_sanic_app_extensions(app)`` then runs in every
Sanic worker as it builds the app. It only registers the knowledge routes the desks ask instead of
loading their own search model and index; the code is ``actions/knowledge_api.py``.

The action server is started from the repository root (launcher, deploy/Procfile, the systemd
unit's WorkingDirectory), so ``python -m rasa_sdk`` finds this package there.
"""
from __future__ import annotations

import pluggy
from sanic import Sanic

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class KnowledgeRoutes:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        from actions.knowledge_api import attach

        attach(app)


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(KnowledgeRoutes())
