-- create_user: registers an account.
-- $1 email, $2 username, $3 password_hash (PHC scrypt string).
-- Returns the user (without the hash). A taken email or username raises 23505 on
-- users_email_key / users_username_key (both case-insensitive unique indexes).
insert into blog.users (email, username, password_hash)
values ($1::text, $2::text, $3::text)
returning id, email, username, bio, image, token_version
