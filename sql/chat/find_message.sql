-- find_message: one message with its reactions and attachments (what a live push carries).
-- $1 conversation id, $2 seq. Returns 0 or 1 row, the columns of list_messages_after.sql.
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
   and m.seq = $2;
