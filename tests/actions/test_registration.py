from __future__ import annotations

from rasa_sdk.executor import ActionExecutor

DOMAIN_ACTIONS = {"action_answer_question", "action_answer_followup", "action_handoff", "action_feedback_bad",
                  "action_policy_prefill", "validate_policy_profile_form", "action_policy_match",
                  "action_policy_save_profile",
                  "action_handle_affirm", "action_handle_deny", "action_offer_human", "action_leave_message",
                  "action_offer_demand_form", "action_offer_demand_track"}


def test_the_action_server_registers_exactly_the_domain_actions() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")  # what `python -m rasa_sdk --actions actions` does
    assert set(executor.actions) == DOMAIN_ACTIONS


def test_domain_lists_the_same_actions() -> None:
    import yaml

    from tests.stack import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["actions"]) == DOMAIN_ACTIONS
