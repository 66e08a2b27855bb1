"""惠企政策 matching (the 政策计算器): enterprise profiles, the SME size standard, structured support
measures (申兑指南) with typed conditions, matching with reasons, and extraction assistance.

Modules: ``industry`` (GB/T 4754-2017), ``size`` (工信部联企业〔2011〕300号), ``credit_code``
(GB 32100-2015), ``profile``, ``measures``, ``matching``, ``extraction``, ``catalog`` (the shipped
measures), ``commands`` (CLI). Nothing heavy is imported here: spaCy loads only when extracting.
"""
