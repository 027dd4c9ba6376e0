-- 012 interaction cached tokens: of a live turn's reported prompt tokens, those the provider served from its
-- prompt cache (`usage.prompt_tokens_details.cached_tokens`, summed over the turn's requests); NULL when the
-- endpoint did not report it. Written by core.context.log.record_turn.
ALTER TABLE interactions ADD COLUMN cached_prompt_tokens INTEGER;
