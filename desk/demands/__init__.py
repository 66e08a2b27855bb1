"""The demand workflow (诉求): intake, dispatch to departments, working-day deadlines, supervision,
return visit. See README "Demands (诉求)" and desk/PROTOCOL.md "Demands"."""
