-- 007 interaction context: what each turn's request held, so the token monitor and
-- "since last interaction" read one row per turn. Written by core.context.log.record_turn.
ALTER TABLE interactions ADD COLUMN system_tokens INTEGER;          -- system prompt instructions
ALTER TABLE interactions ADD COLUMN history_tokens INTEGER;         -- earlier turns sent again
ALTER TABLE interactions ADD COLUMN tool_def_raw_tokens INTEGER;    -- tool definitions offered, raw JSON
ALTER TABLE interactions ADD COLUMN tool_def_openai_tokens INTEGER; -- same, OpenAI cookbook approximation
ALTER TABLE interactions ADD COLUMN request_tokens INTEGER;         -- whole request as counted locally
ALTER TABLE interactions ADD COLUMN topics VARCHAR[];
ALTER TABLE interactions ADD COLUMN tools_offered VARCHAR[];
ALTER TABLE interactions ADD COLUMN tools_called VARCHAR[];
ALTER TABLE interactions ADD COLUMN context_json VARCHAR;           -- drops, tool reasons, topic words
