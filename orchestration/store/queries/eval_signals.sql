-- Each generation's session and source, to match it with the sample's ground truth.
select generation_id, session_id, source_archive, source_path from intent_signals
