-- session_prompts' key is (session_id, prompt_hash): a prompt is scored once per session.
select session_id, prompt_hash
from {{ ref('session_prompts') }}
group by session_id, prompt_hash
having count(*) > 1
