-- 014 interaction part texts: what each counted part of a logged turn said (instructions, Tier 1, Tier 2, the plan
-- part, the request's messages, the tool definitions offered, the tool results fed back), as one JSON object, so
-- the token monitor can recount a turn exactly under another tokenizer. NULL for turns logged before: those keep
-- the counts of the tokenizer they were logged with. Written by core.context.log.record_turn.
ALTER TABLE interactions ADD COLUMN part_texts VARCHAR;
