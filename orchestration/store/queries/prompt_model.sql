-- The prompt model whose vectors the warehouse searches, and how many vectors it has.
select any_value(model_id), count(*) from prompt_vectors
