"""惠企政策 in the desk: enterprise profiles saved with consent from the chat, the 免申即享 notices
the widget shows, and the push lists (推送名单) staff export. Matching is the library's
(``indexer.policy_matching``); the profile's spelling is the contract's (``daofu_protocol.policy_profile``).
"""
