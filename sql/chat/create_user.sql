-- create_user: a new account.
-- $1 email (already lower-cased), $2 name, $3 scrypt password hash.
-- Returns the user (id, email, name, created_at). 23505 users_email_key when the email is taken.
insert into chat.users (email, name, password_hash)
values ($1, $2, $3)
returning id, email, name, created_at;
