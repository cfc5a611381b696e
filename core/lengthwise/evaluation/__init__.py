"""Evaluation: grade generation files, report Pass@1 / tokens / ΔAcc, CR / AES, draw figures.

    schema    reading generation files (the lengthwise eval schema and verl's validation dumps)
    metrics   the formulas (Pass@1 and its CI, SIRI's ΔAcc and CR, O1-Pruner's AES, Pareto front)
    report    grading a set of samples and building the per model × benchmark table
    plots     Pareto, training-dynamics and per-level figures (matplotlib, Agg)
    generate  sampling with vLLM into the eval schema (``lengthwise[vllm]``)
    cli       ``lengthwise eval`` and ``lengthwise plot``

Nothing heavy is imported here: matplotlib, transformers and vLLM load only in the module that
needs them.
"""
