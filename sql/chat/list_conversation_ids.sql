-- list_conversation_ids: the ids of the user's current conversations (what a live inbox stream
-- subscribes to). $1 user id. Plan: members_user_id_idx, index only.
select conversation_id
  from chat.members
 where user_id = $1
   and left_at is null;
