-- What PostgreSQL must do for one dashboard (examples/dashboard.graphql), written by
-- hand: the reference the bench compares the server with. Same rows and columns as the
-- server reads, no more statements than the page needs. The bench runs it as
--   pgbench -n -M prepared -c 64 -j 2 -T S -f dashboard.sql \
--     -D token_hash=… -D user_id=… -D account_id=… <database>
-- with the measured owner's session and account.

-- The session and its user.
SELECT s.id, s.token_hash, s.user_id, s.current_account_id, s.ip_address, s.user_agent,
       s.created_at, s.expires_at, u.id, u.email, u.password_hash, u.first_name,
       u.last_name, u.is_staff, u.created_at, u.updated_at
  FROM sessions s LEFT JOIN users u ON s.user_id = u.id
 WHERE s.token_hash = :token_hash LIMIT 1;

-- The viewer's membership (role and permissions) in the account.
SELECT * FROM contacts WHERE user_id = :user_id AND account_id = :account_id LIMIT 1;

-- The account.
SELECT * FROM accounts WHERE id = :account_id LIMIT 1;

-- The owner and the billing contact.
SELECT * FROM contacts
 WHERE account_id = :account_id
   AND (is_primary OR id = (SELECT billing_contact_id FROM accounts WHERE id = :account_id));

-- contacts(first: 50), with one more to know whether a next page exists, and its count.
SELECT * FROM contacts WHERE account_id = :account_id ORDER BY id LIMIT 51;
SELECT count(*) FROM contacts WHERE account_id = :account_id;

-- invoices(first: 20), newest first, and its count.
SELECT * FROM invoices WHERE account_id = :account_id ORDER BY id DESC LIMIT 21;
SELECT count(*) FROM invoices WHERE account_id = :account_id;

-- services(first: 20), and its count.
SELECT * FROM services WHERE account_id = :account_id ORDER BY id LIMIT 21;
SELECT count(*) FROM services WHERE account_id = :account_id;
