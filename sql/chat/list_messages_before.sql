-- list_messages_before: a window of a conversation's messages older than $2, newest first (the library puts
-- every window in ascending order). Deleted messages stay in the window (body null), so sequences
-- have no holes for the client.
-- $1 conversation id, $2 anchor seq (exclusive), $3 rows. The caller checks membership first.
-- Returns conversation_id, seq, sender_id, body, created_at, edited_at, deleted_at, reactions
-- (jsonb [{emoji, userIds}]), attachments (jsonb [{id, filename, contentType, sizeBytes, url}]).
-- Plan: a range scan of messages_pkey backwards from the anchor, stopping after $3 rows.
-- @not-null reactions, attachments
select m.conversation_id,
       m.seq,
       m.sender_id,
       m.body,
       m.created_at,
       m.edited_at,
       m.deleted_at,
       coalesce((select jsonb_agg(jsonb_build_object('emoji', r.emoji, 'userIds', r.user_ids) order by r.emoji)
                   from (select emoji, jsonb_agg(user_id order by user_id) as user_ids
                           from chat.reactions
                          where conversation_id = m.conversation_id and seq = m.seq
                          group by emoji) r), '[]') as reactions,
       coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'filename', a.filename, 'contentType', a.content_type,
                                                     'sizeBytes', a.size_bytes, 'url', a.url) order by a.id)
                   from chat.attachments a
                  where a.conversation_id = m.conversation_id and a.seq = m.seq), '[]') as attachments
  from chat.messages m
 where m.conversation_id = $1
   and m.seq < $2
 order by m.seq desc
 limit $3;
