"""Stage 6 - presentation: one figure theme, plotly figure builders (DataFrame in, figure
out), plain-language text generated from the numbers, and the notebook display helpers.
Nothing here computes an estimate."""
