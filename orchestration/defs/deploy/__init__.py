"""Where the same definitions run: one machine (multiprocess) or a Kubernetes cluster."""
