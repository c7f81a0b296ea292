-- The mart intent_signals whole (as the pipeline built it), for training and evaluation.
select * from intent_signals
