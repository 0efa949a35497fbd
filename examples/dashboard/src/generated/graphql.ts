// Generated from schema.graphql by graphql-codegen (codegen.yml): do not edit.
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * A calendar date with no time and no time zone: a JSON string `YYYY-MM-DD` (RFC 3339
   * `full-date`, ISO 8601's extended format, always a four-digit year), e.g.
   * `"2026-01-31"`. Anything else, a number included, is refused (BAD_USER_INPUT).
   */
  Date: { input: string; output: string; }
  /**
   * A point in time: a JSON string in RFC 3339 `date-time` form, `YYYY-MM-DDTHH:MM:SS`,
   * an optional fraction of a second, then `Z` or an offset, e.g. `"2026-01-31T09:30:00Z"`.
   * Any offset is taken and converted to UTC. Answers are always UTC, written with `+00:00`
   * and with a fraction only when there is one (3, 6 or 9 digits), e.g.
   * `"2026-01-31T09:30:00+00:00"`.
   */
  DateTime: { input: string; output: string; }
  /**
   * An exact decimal number, always a JSON string and never a JSON number (a number is
   * refused: it may have lost digits as a binary float on its way). Written as an
   * optional `-`, digits, then optionally `.` and up to 28 decimals, e.g. `"249.00"` or
   * `"9.99"`. The decimals come back as given (`"120.50"` reads back `"120.50"`,
   * `"120.5"` as `"120.5"`). Money amounts are never negative and have at most 4
   * decimal places; their currency is a separate field.
   */
  Decimal: { input: string; output: string; }
  /** A scalar that can represent any JSON value. */
  JSON: { input: unknown; output: unknown; }
};

/**
 * For a new login: name and password. An existing login signs in first, or proves
 * itself here as `login` does: its `password`, and `totpCode` when it has two-factor
 * sign-in on.
 */
export type AcceptInvitationInput = {
  /** A new login's given name. */
  firstName?: InputMaybe<Scalars['String']['input']>;
  /** A new login's family name. */
  lastName?: InputMaybe<Scalars['String']['input']>;
  /**
   * A new login's password (10 to 256 characters, not one of the most common); an
   * existing login's current one, unless already signed in as it.
   */
  password?: InputMaybe<Scalars['String']['input']>;
  /**
   * A code from the authenticator app, or a recovery code (an existing login with
   * two-factor sign-in; without it: UNAUTHENTICATED, reason TOTP_REQUIRED).
   */
  totpCode?: InputMaybe<Scalars['String']['input']>;
};

/**
 * A billable party (a business, a household): it owns invoices, services, domains,
 * tickets and contacts. Members see the accounts they belong to, staff every account.
 * `id` and `name` are always shown; while the viewer is restricted here (a password to
 * change, a second factor the account requires) the other fields are FORBIDDEN with
 * the reason. Each list needs its permission: without it the list is null, with
 * FORBIDDEN at its path, and the rest of the account still arrives.
 */
export type Account = {
  __typename?: 'Account';
  /** The API tokens of the account's members, newest first. Needs MANAGE_CONTACTS. */
  apiTokens: Maybe<Array<ApiToken>>;
  /** Who did what in the account, newest first. Needs VIEW_AUDIT_LOG. */
  auditLog: Maybe<AuditEntryConnection>;
  /**
   * The contact whose name and address are printed on invoices (null: none named).
   * Any member sees it.
   */
  billingContact: Maybe<Contact>;
  /** The people on file under the account, oldest first. Needs MANAGE_CONTACTS. */
  contacts: Maybe<ContactConnection>;
  /** When the account was created. */
  createdAt: Scalars['DateTime']['output'];
  /**
   * The account's domain names, oldest first (a scoped member: those in their
   * scope). Needs VIEW_DOMAINS.
   */
  domains: Maybe<DomainConnection>;
  /** The account's email history, newest first (no bodies). Needs VIEW_EMAILS. */
  emails: Maybe<EmailMessageConnection>;
  /**
   * The event log's position as this is read. Give it as `after` to `contactEvents`
   * or `invitationEvents` and they replay every change made since, then go live. Read
   * it in a request before the lists it goes with (the fields of one request resolve
   * in no set order): a change made between the two then comes twice, never not at
   * all.
   */
  eventsCursor: Scalars['String']['output'];
  /** The account's id: `accountId` in mutations and subscriptions. */
  id: Scalars['ID']['output'];
  /**
   * The account's invitations, newest first; optionally of one status. Needs
   * MANAGE_CONTACTS.
   */
  invitations: Maybe<InvitationConnection>;
  /** The account's invoices, newest first. Needs VIEW_INVOICES. */
  invoices: Maybe<InvoiceConnection>;
  /** The account's name (a business, a household). */
  name: Scalars['String']['output'];
  /** The primary contact: the owner's own card. Any member sees it. */
  owner: Contact;
  /**
   * Members must sign in with two factors to use this account (the owner's
   * `setAccountSecurity`).
   */
  requireTwoFactor: Scalars['Boolean']['output'];
  /**
   * The account's services, oldest first (a scoped member: those in their scope).
   * Needs VIEW_SERVICES.
   */
  services: Maybe<ServiceConnection>;
  /**
   * The account's support tickets, newest first (a scoped member: those they opened
   * and those about a service or domain in their scope). Needs VIEW_TICKETS.
   */
  tickets: Maybe<TicketConnection>;
  /** The account's webhook endpoints, oldest first. Needs MANAGE_ACCOUNT. */
  webhookEndpoints: Maybe<Array<WebhookEndpoint>>;
};


/**
 * A billable party (a business, a household): it owns invoices, services, domains,
 * tickets and contacts. Members see the accounts they belong to, staff every account.
 * `id` and `name` are always shown; while the viewer is restricted here (a password to
 * change, a second factor the account requires) the other fields are FORBIDDEN with
 * the reason. Each list needs its permission: without it the list is null, with
 * FORBIDDEN at its path, and the rest of the account still arrives.
 */
export type AccountAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * A billable party (a business, a household): it owns invoices, services, domains,
 * tickets and contacts. Members see the accounts they belong to, staff every account.
 * `id` and `name` are always shown; while the viewer is restricted here (a password to
 * change, a second factor the account requires) the other fields are FORBIDDEN with
 * the reason. Each list needs its permission: without it the list is null, with
 * FORBIDDEN at its path, and the rest of the account still arrives.
 */
export type AccountContactsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * A billable party (a business, a household): it owns invoices, services, domains,
 * tickets and contacts. Members see the accounts they belong to, staff every account.
 * `id` and `name` are always shown; while the viewer is restricted here (a password to
 * change, a second factor the account requires) the other fields are FORBIDDEN with
 * the reason. Each list needs its permission: without it the list is null, with
 * FORBIDDEN at its path, and the rest of the account still arrives.
 */
export type AccountDomainsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * A billable party (a business, a household): it owns invoices, services, domains,
 * tickets and contacts. Members see the accounts they belong to, staff every account.
 * `id` and `name` are always shown; while the viewer is restricted here (a password to
 * change, a second factor the account requires) the other fields are FORBIDDEN with
 * the reason. Each list needs its permission: without it the list is null, with
 * FORBIDDEN at its path, and the rest of the account still arrives.
 */
export type AccountEmailsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * A billable party (a business, a household): it owns invoices, services, domains,
 * tickets and contacts. Members see the accounts they belong to, staff every account.
 * `id` and `name` are always shown; while the viewer is restricted here (a password to
 * change, a second factor the account requires) the other fields are FORBIDDEN with
 * the reason. Each list needs its permission: without it the list is null, with
 * FORBIDDEN at its path, and the rest of the account still arrives.
 */
export type AccountInvitationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<InvitationStatus>;
};


/**
 * A billable party (a business, a household): it owns invoices, services, domains,
 * tickets and contacts. Members see the accounts they belong to, staff every account.
 * `id` and `name` are always shown; while the viewer is restricted here (a password to
 * change, a second factor the account requires) the other fields are FORBIDDEN with
 * the reason. Each list needs its permission: without it the list is null, with
 * FORBIDDEN at its path, and the rest of the account still arrives.
 */
export type AccountInvoicesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * A billable party (a business, a household): it owns invoices, services, domains,
 * tickets and contacts. Members see the accounts they belong to, staff every account.
 * `id` and `name` are always shown; while the viewer is restricted here (a password to
 * change, a second factor the account requires) the other fields are FORBIDDEN with
 * the reason. Each list needs its permission: without it the list is null, with
 * FORBIDDEN at its path, and the rest of the account still arrives.
 */
export type AccountServicesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * A billable party (a business, a household): it owns invoices, services, domains,
 * tickets and contacts. Members see the accounts they belong to, staff every account.
 * `id` and `name` are always shown; while the viewer is restricted here (a password to
 * change, a second factor the account requires) the other fields are FORBIDDEN with
 * the reason. Each list needs its permission: without it the list is null, with
 * FORBIDDEN at its path, and the rest of the account still arrives.
 */
export type AccountTicketsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/**
 * A page of accounts: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type AccountConnection = {
  __typename?: 'AccountConnection';
  /** A list of edges. */
  edges: Array<AccountEdge>;
  /** A list of nodes. */
  nodes: Array<Account>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type AccountEdge = {
  __typename?: 'AccountEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Account;
};

/**
 * A new contact card, optionally with a login (`portalAccess`) or an invitation
 * (`sendInvite`).
 */
export type AddContactInput = {
  /**
   * Temporary access: the contact's portal access ends then, by itself (the card
   * stays). Must be in the future.
   */
  accessExpiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** Postal address. */
  address?: InputMaybe<AddressInput>;
  /** The company the contact is with. */
  companyName?: InputMaybe<Scalars['String']['input']>;
  /**
   * Email address, unique among the account's contacts; needed for portal access or
   * an invitation.
   */
  email?: InputMaybe<Scalars['String']['input']>;
  /** Given name (at most 200 characters). */
  firstName: Scalars['String']['input'];
  /** Family name (at most 200 characters). */
  lastName: Scalars['String']['input'];
  /** Notification category keys; default from the role. */
  notificationPreferences?: InputMaybe<Array<Scalars['String']['input']>>;
  /**
   * With `portalAccess`: the login's password (10 to 256 characters, not one of the
   * most common).
   */
  password?: InputMaybe<Scalars['String']['input']>;
  /** For the CUSTOM role: the permissions picked one by one. */
  permissions?: InputMaybe<Array<Permission>>;
  /** Phone number (at most 50 characters). */
  phone?: InputMaybe<Scalars['String']['input']>;
  /** Give the contact a login. Without `password`, a strong one is generated and emailed. */
  portalAccess?: InputMaybe<Scalars['Boolean']['input']>;
  /** Free text: spouse, assistant, bookkeeper… */
  relationship?: InputMaybe<Scalars['String']['input']>;
  /** Never OWNER: ownership only moves by `transferOwnership`. */
  role: Role;
  /**
   * Scoped access: limits the contact to these services and domains (none of the
   * account-wide permissions then). Null or absent: the whole account.
   */
  scope?: InputMaybe<ScopeInput>;
  /**
   * Email the contact an invitation link instead of making a login (not with
   * `password`): accepting it gives them portal access.
   */
  sendInvite?: InputMaybe<Scalars['Boolean']['input']>;
};

/** A postal address, as entered: free text, every part optional. */
export type Address = {
  __typename?: 'Address';
  /** City or town. */
  city: Maybe<Scalars['String']['output']>;
  /** Country, as entered. */
  country: Maybe<Scalars['String']['output']>;
  /** Street and number. */
  line1: Maybe<Scalars['String']['output']>;
  /** More of the street address (building, floor, unit). */
  line2: Maybe<Scalars['String']['output']>;
  /** Postal or ZIP code. */
  postalCode: Maybe<Scalars['String']['output']>;
  /** State, province or county. */
  region: Maybe<Scalars['String']['output']>;
};

/**
 * A postal address: free text, every part optional, each at most 200 characters on
 * one line. Blank parts are stored as none.
 */
export type AddressInput = {
  /** City or town. */
  city?: InputMaybe<Scalars['String']['input']>;
  /** Country. */
  country?: InputMaybe<Scalars['String']['input']>;
  /** Street and number. */
  line1?: InputMaybe<Scalars['String']['input']>;
  /** More of the street address (building, floor, unit). */
  line2?: InputMaybe<Scalars['String']['input']>;
  /** Postal or ZIP code. */
  postalCode?: InputMaybe<Scalars['String']['input']>;
  /** State, province or county. */
  region?: InputMaybe<Scalars['String']['input']>;
};

/**
 * An API token: automation acting as its member on one account, limited to its
 * permissions and scope. Never its secret. Shown to its member (`viewer.apiTokens`) and
 * to members with MANAGE_CONTACTS (`Account.apiTokens`).
 */
export type ApiToken = {
  __typename?: 'ApiToken';
  /** The account it acts on. */
  accountId: Maybe<Scalars['ID']['output']>;
  /** When it was created. */
  createdAt: Scalars['DateTime']['output'];
  /** When it stops working. */
  expiresAt: Scalars['DateTime']['output'];
  /** The token's id (`revokeApiToken`). */
  id: Scalars['ID']['output'];
  /** When it was last used (to the minute); null: never. */
  lastUsedAt: Maybe<Scalars['DateTime']['output']>;
  /** The client address of its last use (of its creation, until used). */
  lastUsedIp: Maybe<Scalars['String']['output']>;
  /** The name its member gave it. */
  name: Scalars['String']['output'];
  /**
   * What it was given; at each request it holds these only as far as its member
   * still does.
   */
  permissions: Array<Permission>;
  /** The services and domains it is limited to (null: its member's own scope). */
  scope: Maybe<Scope>;
};

/**
 * One thing done in the account: what, by whom, to what, when and from where. Listed
 * for members with VIEW_AUDIT_LOG (`Account.auditLog`).
 */
export type AuditEntry = {
  __typename?: 'AuditEntry';
  /** A dotted verb such as `contact.remove`. */
  action: Scalars['String']['output'];
  /**
   * The actor's email as it was at the time (kept after they are removed). Null
   * for the portal itself, and, to anyone but staff, for what staff did.
   */
  actorEmail: Maybe<Scalars['String']['output']>;
  /** Whether one of the portal's staff did it. */
  byStaff: Scalars['Boolean']['output'];
  /** The entry's id. */
  id: Scalars['ID']['output'];
  /** The client address it came from (to anyone but staff, none for what staff did). */
  ipAddress: Maybe<Scalars['String']['output']>;
  /** When it was done. */
  occurredAt: Scalars['DateTime']['output'];
  /**
   * The id of what it was done to (a contact, an invitation, …: `action` says
   * which), if anything.
   */
  targetId: Maybe<Scalars['ID']['output']>;
  /**
   * What it was done through when not a person's session: `token:<name>` for an
   * API token.
   */
  via: Maybe<Scalars['String']['output']>;
};

/**
 * A page of audit log entries: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type AuditEntryConnection = {
  __typename?: 'AuditEntryConnection';
  /** A list of edges. */
  edges: Array<AuditEntryEdge>;
  /** A list of nodes. */
  nodes: Array<AuditEntry>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type AuditEntryEdge = {
  __typename?: 'AuditEntryEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: AuditEntry;
};

/** A new session. The token is shown once; browsers also get it as an HttpOnly cookie. */
export type AuthPayload = {
  __typename?: 'AuthPayload';
  /**
   * When the session ends however much it is used (30 days after sign-in by
   * default); unused, it ends sooner.
   */
  expiresAt: Scalars['DateTime']['output'];
  /**
   * The password was generated and emailed: choose your own (`changePassword`)
   * before anything but `viewer` and `logout` works (FORBIDDEN, reason
   * PASSWORD_CHANGE_REQUIRED).
   */
  passwordChangeRequired: Scalars['Boolean']['output'];
  /**
   * The session token, shown only here: send it as `Authorization: Bearer …`
   * (HTTP) or in `connection_init` (WebSocket).
   */
  token: Scalars['String']['output'];
  /**
   * The user just signed in: placed in their account if they have exactly one,
   * else in none until `switchAccount`.
   */
  viewer: Viewer;
};

/**
 * A person on file under one account, with or without portal access (a login linked
 * to the card). Members with MANAGE_CONTACTS see every contact of the account; any
 * member sees the owner's and the billing contact's cards and their own
 * (`Membership.contact`).
 */
export type Contact = {
  __typename?: 'Contact';
  /**
   * Temporary access: when the contact's portal access ends by itself (null:
   * permanent).
   */
  accessExpiresAt: Maybe<Scalars['DateTime']['output']>;
  /** Null when no part of the address is on file. */
  address: Maybe<Address>;
  /** The company the contact is with. */
  companyName: Maybe<Scalars['String']['output']>;
  /** When the contact was added. */
  createdAt: Scalars['DateTime']['output'];
  /** Email address, unique among the account's contacts (null: none on file). */
  email: Maybe<Scalars['String']['output']>;
  /** Given name. */
  firstName: Scalars['String']['output'];
  /** The contact's id. */
  id: Scalars['ID']['output'];
  /** The primary contact: the owner's card, one per account; it cannot be removed. */
  isPrimary: Scalars['Boolean']['output'];
  /** Family name. */
  lastName: Scalars['String']['output'];
  /** The notification category keys this contact receives. */
  notificationPreferences: Array<Scalars['String']['output']>;
  /** The effective permissions of this contact's role. */
  permissions: Array<Permission>;
  /** Phone number, as entered. */
  phone: Maybe<Scalars['String']['output']>;
  /** Whether the contact can sign in (is linked to a login). */
  portalAccess: Scalars['Boolean']['output'];
  /** Free text: spouse, assistant, bookkeeper… */
  relationship: Maybe<Scalars['String']['output']>;
  /** The contact's role in the account (with or without portal access). */
  role: Role;
  /**
   * Scoped access: the services and domains the contact looks after (null: the
   * whole account).
   */
  scope: Maybe<Scope>;
  /** When the card last changed. */
  updatedAt: Scalars['DateTime']['output'];
};

/**
 * A page of contacts: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type ContactConnection = {
  __typename?: 'ContactConnection';
  /** A list of edges. */
  edges: Array<ContactEdge>;
  /** A list of nodes. */
  nodes: Array<Contact>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ContactEdge = {
  __typename?: 'ContactEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Contact;
};

/**
 * A change to a contact of an account, as `contactEvents` delivers it (MANAGE_CONTACTS
 * on the account, or staff).
 */
export type ContactEvent = {
  __typename?: 'ContactEvent';
  /** The account the contact is under. */
  accountId: Scalars['ID']['output'];
  /**
   * The contact as this change left it; null once removed. Removing a contact also
   * scrubs its earlier events (only its name stays in the log), so they show null too.
   */
  contact: Maybe<Contact>;
  /** The contact's id (given even once the contact is removed). */
  contactId: Scalars['ID']['output'];
  /** Resume after this event with `contactEvents(after: cursor)`. */
  cursor: Scalars['String']['output'];
  /** What happened. */
  kind: ContactEventKind;
  /** When the change was made. */
  occurredAt: Scalars['DateTime']['output'];
};

/** What happened to a contact. */
export type ContactEventKind =
  /**
   * The contact was added (also: an account's owner at its creation, a member who
   * joined by invitation).
   */
  | 'CREATED'
  /** Portal access was granted or revoked, or ended by itself. */
  | 'PORTAL_ACCESS_CHANGED'
  /** The contact was removed or erased. */
  | 'REMOVED'
  /** The card changed: name, email, role, permissions, scope, ownership, … */
  | 'UPDATED';

/** A new API token: its name, what it may do, where, and until when. */
export type CreateApiTokenInput = {
  /** When it ends: 90 days from now when left out, a year at the most. */
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** A name to know it by (at most 200 characters). */
  name: Scalars['String']['input'];
  /** What it may do: never more than you hold (and only as long as you do). */
  permissions: Array<Permission>;
  /** Limits it to these services and domains: never wider than your own scope. */
  scope?: InputMaybe<ScopeInput>;
};

/** A new domain name of the account. */
export type CreateDomainInput = {
  /** The day its registration runs out. */
  expiresAt: Scalars['Date']['input'];
  /** The name (e.g. `example.com`); stored lower case, without a trailing dot. */
  name: Scalars['String']['input'];
};

/** A new invoice. The account's INVOICE recipients are emailed. */
export type CreateInvoiceInput = {
  /** An ISO 4217 code: three letters (e.g. `EUR`), stored upper case. */
  currency: Scalars['String']['input'];
  /** The day it must be paid by. */
  dueDate: Scalars['Date']['input'];
  /** Unique in the portal; generated (INV-000042) when left out. */
  number?: InputMaybe<Scalars['String']['input']>;
  /** The amount due: not negative, at most 4 decimal places (e.g. `"120.50"`). */
  total: Scalars['Decimal']['input'];
};

/** A new service of the account. */
export type CreateServiceInput = {
  /** The service's login password (shown only with VIEW_SERVICE_PASSWORDS). */
  password?: InputMaybe<Scalars['String']['input']>;
  /** What it is, as sold (e.g. "Web hosting"). */
  productName: Scalars['String']['input'];
  /** What it costs each billing period: not negative, at most 4 decimal places. */
  recurringAmount?: InputMaybe<Scalars['Decimal']['input']>;
  /** PENDING when left out. */
  status?: InputMaybe<ServiceStatus>;
  /** The service's login name. */
  username?: InputMaybe<Scalars['String']['input']>;
};

/**
 * A token just made: its secret, shown this once (only its SHA-256 is kept), and the
 * token.
 */
export type CreatedApiToken = {
  __typename?: 'CreatedApiToken';
  /** The token as lists show it. */
  apiToken: ApiToken;
  /**
   * `clt_` + 40 base62 characters + a 6-character CRC-32 checksum. Send it as
   * `Authorization: Bearer …` (HTTP) or in `connection_init` (WebSocket).
   */
  token: Scalars['String']['output'];
};

/**
 * A registered domain name of the account. Listed for members with VIEW_DOMAINS (a
 * scoped member: those in their scope).
 */
export type Domain = {
  __typename?: 'Domain';
  /** The day its registration runs out (reminders go 30, 7 and 1 days before). */
  expiresAt: Scalars['Date']['output'];
  /** The domain's id. */
  id: Scalars['ID']['output'];
  /** The name, lower case, without a trailing dot (e.g. `example.com`). */
  name: Scalars['String']['output'];
};

/**
 * A page of domain names: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type DomainConnection = {
  __typename?: 'DomainConnection';
  /** A list of edges. */
  edges: Array<DomainEdge>;
  /** A list of nodes. */
  nodes: Array<Domain>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type DomainEdge = {
  __typename?: 'DomainEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Domain;
};

/** One category of email on the preferences page, and whether the contact receives it. */
export type EmailCategoryChoice = {
  __typename?: 'EmailCategoryChoice';
  /** The category's key (`INVOICE`, …): what `setEmailPreferences` takes. */
  key: Scalars['String']['output'];
  /** The category's name, to show. */
  label: Scalars['String']['output'];
  /** Whether the contact receives it. */
  subscribed: Scalars['Boolean']['output'];
};

/**
 * An email sent to the account's people: who, what about, and how it went; never its
 * body (links in it carry tokens). Listed for members with VIEW_EMAILS
 * (`Account.emails`).
 */
export type EmailMessage = {
  __typename?: 'EmailMessage';
  /**
   * The notification category's key (`INVOICE`, …); null for a transactional email
   * (an invitation, a password reset, a security notice).
   */
  category: Maybe<Scalars['String']['output']>;
  /** When it was queued. */
  createdAt: Scalars['DateTime']['output'];
  /** The email's id. */
  id: Scalars['ID']['output'];
  /** When the mail server took it; null until then. */
  sentAt: Maybe<Scalars['DateTime']['output']>;
  /** Queued, sent or failed. */
  status: EmailStatus;
  /** The subject line. */
  subject: Scalars['String']['output'];
  /** The recipients' addresses (a notification goes to one person per email). */
  to: Array<Scalars['String']['output']>;
};

/**
 * A page of sent emails: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type EmailMessageConnection = {
  __typename?: 'EmailMessageConnection';
  /** A list of edges. */
  edges: Array<EmailMessageEdge>;
  /** A list of nodes. */
  nodes: Array<EmailMessage>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type EmailMessageEdge = {
  __typename?: 'EmailMessageEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: EmailMessage;
};

/** One contact's email preferences, as the token in their email shows them. */
export type EmailPreferences = {
  __typename?: 'EmailPreferences';
  /** The account the contact is under. */
  accountName: Scalars['String']['output'];
  /** Every category, with whether this contact receives it. */
  categories: Array<EmailCategoryChoice>;
  /** The contact's name, to greet them. */
  contactName: Scalars['String']['output'];
  /** The address the preferences are for. */
  email: Scalars['String']['output'];
};

/** Where an email stands in the outbox. */
export type EmailStatus =
  /** Given up on: refused for good, or still failing after the retry period. */
  | 'FAILED'
  /** Waiting to be sent, or to be retried after a failed attempt. */
  | 'QUEUED'
  /** Handed to the mail server. */
  | 'SENT';

/**
 * An emailed, single-use, expiring link that gives an email address access to an
 * account with a role. Members with MANAGE_CONTACTS see the account's invitations
 * (`Account.invitations`, `invitationEvents`).
 */
export type Invitation = {
  __typename?: 'Invitation';
  /** Temporary access: when the membership accepting gives ends (null: permanent). */
  accessExpiresAt: Maybe<Scalars['DateTime']['output']>;
  /** When it was first sent. */
  createdAt: Scalars['DateTime']['output'];
  /** The address invited. */
  email: Scalars['String']['output'];
  /**
   * When its link stops working (`PortalSettings.invitationTtlHours` after it was
   * sent or last resent).
   */
  expiresAt: Scalars['DateTime']['output'];
  /** The invitation's id. */
  id: Scalars['ID']['output'];
  /** The permissions the role will grant. */
  permissions: Array<Permission>;
  /** The role it offers. */
  role: Role;
  /**
   * Scoped access: the services and domains the membership accepting gives is
   * limited to (null: the whole account).
   */
  scope: Maybe<Scope>;
  /** Where it stands (a pending one past its expiry reads EXPIRED). */
  status: InvitationStatus;
};

/**
 * A page of invitations: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type InvitationConnection = {
  __typename?: 'InvitationConnection';
  /** A list of edges. */
  edges: Array<InvitationEdge>;
  /** A list of nodes. */
  nodes: Array<Invitation>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type InvitationEdge = {
  __typename?: 'InvitationEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Invitation;
};

/**
 * A change to an invitation of an account, as `invitationEvents` delivers it
 * (MANAGE_CONTACTS on the account, or staff).
 */
export type InvitationEvent = {
  __typename?: 'InvitationEvent';
  /** The account the invitation is to. */
  accountId: Scalars['ID']['output'];
  /** Resume after this event with `invitationEvents(after: cursor)`. */
  cursor: Scalars['String']['output'];
  /** The invitation as this change left it. */
  invitation: Invitation;
  /** What happened. */
  kind: InvitationEventKind;
  /** When the change was made. */
  occurredAt: Scalars['DateTime']['output'];
};

/** What happened to an invitation. */
export type InvitationEventKind =
  /** It was accepted. */
  | 'ACCEPTED'
  /** It was sent again, with a new link and expiry (`resendInvitation`). */
  | 'RESENT'
  /** It was withdrawn, or found dead with its sender's access. */
  | 'REVOKED'
  /** It was sent. */
  | 'SENT';

/** PENDING until accepted, revoked, or past its expiry (then EXPIRED). */
export type InvitationStatus =
  /** Accepted: the email gained the account. */
  | 'ACCEPTED'
  /** Past its expiry without being accepted. */
  | 'EXPIRED'
  /** Sent, not yet accepted, revoked or expired: its link works. */
  | 'PENDING'
  /**
   * Withdrawn (`revokeInvitation`), or found dead when someone tried to accept it,
   * its sender no longer able to give what it offers.
   */
  | 'REVOKED';

/** Who is invited, and what accepting gives them. */
export type InviteUserInput = {
  /** Temporary access: the membership accepting gives ends then, by itself. */
  accessExpiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** The address to invite (a new person, or an existing login's email). */
  email: Scalars['String']['input'];
  /** For the CUSTOM role. */
  permissions?: InputMaybe<Array<Permission>>;
  /** Never OWNER. */
  role: Role;
  /**
   * Scoped access: the membership accepting gives is limited to these services and
   * domains (none of the account-wide permissions then).
   */
  scope?: InputMaybe<ScopeInput>;
};

/**
 * A bill issued to the account. Listed for members with VIEW_INVOICES
 * (`Account.invoices`); its amount and PDF need VIEW_INVOICES wherever it is read.
 */
export type Invoice = {
  __typename?: 'Invoice';
  /** The ISO 4217 code of `total`'s currency, upper case (e.g. `EUR`). */
  currency: Scalars['String']['output'];
  /** The day it must be paid by; unpaid after it, the invoice turns OVERDUE. */
  dueDate: Scalars['Date']['output'];
  /** The invoice's id. */
  id: Scalars['ID']['output'];
  /**
   * The number printed on it, unique in the portal (`INV-000042` unless staff chose
   * one).
   */
  number: Scalars['String']['output'];
  /**
   * Where members with VIEW_INVOICES download it as PDF: an authenticated GET
   * (`{PUBLIC_URL}/invoices/{id}/pdf`). Needs VIEW_INVOICES.
   */
  pdfUrl: Maybe<Scalars['String']['output']>;
  /** Unpaid, paid, overdue or cancelled. */
  status: InvoiceStatus;
  /** The amount due, in `currency` (a string such as `"120.50"`). Needs VIEW_INVOICES. */
  total: Scalars['Decimal']['output'];
};

/**
 * A page of invoices: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type InvoiceConnection = {
  __typename?: 'InvoiceConnection';
  /** A list of edges. */
  edges: Array<InvoiceEdge>;
  /** A list of nodes. */
  nodes: Array<Invoice>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type InvoiceEdge = {
  __typename?: 'InvoiceEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Invoice;
};

/** Where an invoice stands. */
export type InvoiceStatus =
  /** Withdrawn: nothing to pay. */
  | 'CANCELLED'
  /** Not paid and past its due date (the reminder job marks it so). */
  | 'OVERDUE'
  /** Paid (`payInvoice` records the payment). */
  | 'PAID'
  /** Issued, not paid, not yet past its due date. */
  | 'UNPAID';

/** An endpoint just made or re-keyed: its signing secret (`whsec_…`), shown this once. */
export type KeyedWebhookEndpoint = {
  __typename?: 'KeyedWebhookEndpoint';
  /** The endpoint. */
  endpoint: WebhookEndpoint;
  /**
   * The signing secret: `whsec_` and base64. Verify each delivery's
   * `webhook-signature` with it.
   */
  secret: Scalars['String']['output'];
};

/**
 * The viewer's place in one of their accounts: their role, permissions, scope and
 * when their access ends. While they are restricted there (a password to change, a
 * second factor the account requires) only the account's id and name and the role
 * are shown; the rest is FORBIDDEN with the reason.
 */
export type Membership = {
  __typename?: 'Membership';
  /** Temporary access: when this membership ends by itself (null: permanent). */
  accessExpiresAt: Maybe<Scalars['DateTime']['output']>;
  /** The account. */
  account: Account;
  /** The viewer's own contact card in this account. */
  contact: Contact;
  /** What the viewer may do in this account (none while restricted there). */
  permissions: Array<Permission>;
  /** The viewer's role in the account (shown even while restricted). */
  role: Role;
  /**
   * Scoped access: the services and domains the viewer looks after here (null: the
   * whole account).
   */
  scope: Maybe<Scope>;
};

/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Accepts an invitation and signs in, placed in the invited account. An existing
   * login is checked as `login` checks it (password, second factor, throttles). An
   * invitation whose sender can no longer give what it gives (removed, lowered,
   * access ended) no longer holds (BAD_USER_INPUT on `token`).
   */
  acceptInvitation: AuthPayload;
  /** Adds a person to an account (MANAGE_CONTACTS). */
  addContact: Contact;
  /**
   * Staff: records a reply that arrived by email; its badge says who the sender is
   * to the account (AUTHORIZED_USER, SUB_ACCOUNT for a contact without login, GUEST).
   */
  addTicketReplyFromEmail: TicketReply;
  /**
   * Starts a passkey sign-in: with `email`, that login's passkeys are offered;
   * without, whichever the browser holds for this site (discoverable passkeys). Each
   * client address may begin 60 a minute (then RATE_LIMITED).
   */
  beginPasskeyLogin: PasskeyCeremony;
  /**
   * Starts registering a passkey for the signed-in user: with `currentPassword`, or
   * within ten minutes of signing in (else BAD_USER_INPUT on `currentPassword`).
   */
  beginPasskeyRegistration: PasskeyCeremony;
  /** Changes the viewer's password; their other sessions end. */
  changePassword: Scalars['Boolean']['output'];
  /**
   * Turns two-factor sign-in on with a code from the app; answers ten single-use
   * recovery codes, shown this once.
   */
  confirmTotp: Array<Scalars['String']['output']>;
  /** Creates an account; the signed-in user becomes its owner. */
  createAccount: Account;
  /**
   * Creates an API token for yourself on one of your accounts (your current password
   * first). The secret is in this answer only. You are emailed; the audit log names
   * the token. Not where the account's owner forbids tokens.
   */
  createApiToken: CreatedApiToken;
  /** Staff: records a domain name. */
  createDomain: Domain;
  /** Staff: issues an invoice. */
  createInvoice: Invoice;
  /** Staff: records a service. */
  createService: Service;
  /**
   * Registers an endpoint of the account (MANAGE_ACCOUNT): the account's events of
   * the types it takes are POSTed to it, signed with its secret (in this answer
   * only).
   */
  createWebhookEndpoint: KeyedWebhookEndpoint;
  /**
   * Staff: defines a category of email (or relabels one defined before). Existing
   * contacts of its default roles receive it from now on.
   */
  defineNotificationCategory: NotificationCategory;
  /**
   * Ends the signed-in person's own login, after their current password: every
   * membership and session ends and they are erased as `eraseUser` erases. CONFLICT,
   * naming the accounts, while they own one (transfer ownership first).
   */
  deleteMyLogin: Scalars['Boolean']['output'];
  /** Deletes an endpoint and its deliveries (MANAGE_ACCOUNT). */
  deleteWebhookEndpoint: Scalars['ID']['output'];
  /**
   * Turns two-factor sign-in off: needs the current password and a code (or
   * recovery code).
   */
  disableTotp: Scalars['Boolean']['output'];
  /**
   * Starts two-factor enrolment (needs the current password): a new secret for an
   * authenticator app, shown this once. It is on after `confirmTotp`, and the user is
   * told by email.
   */
  enrollTotp: TotpEnrollment;
  /**
   * Erases a contact: the card, their invitations, the event-log snapshots, and their
   * name, address and phone in the account's email history, audit log, ticket
   * replies and webhook payloads (addresses become `erased-<hash>@invalid`, the actor
   * `erased:<hash>`). The same rules as `removeContact`: MANAGE_CONTACTS, never the
   * owner, never someone holding a permission the actor lacks, and the actor's
   * current password. Live dashboards receive a REMOVED event. Returns the erased id.
   */
  eraseContact: Scalars['ID']['output'];
  /**
   * Staff: erases a login and the person everywhere: every card linked to it or
   * bearing its address, with what `eraseContact` erases, and the login with its
   * sessions, API tokens and passkeys. CONFLICT while they own an account.
   */
  eraseUser: Scalars['ID']['output'];
  /**
   * Emails the signed-in person (MANAGE_ACCOUNT) a link to the account's records: a
   * zip of `account.json` (contacts, invoices, services without passwords, domains,
   * tickets, audit log; docs/schemas/account-export.v1.json), `contacts.csv` and
   * `invoices.csv`. A section their permissions do not show is null (a CSV file left
   * out); their scope applies. The link works once, within 24 hours, while they
   * still manage the account. Throttled with `requestDataExport`.
   */
  exportAccount: Scalars['Boolean']['output'];
  /**
   * Signs in with what `navigator.credentials.get` answered, as `login` does (the
   * session, its cookie, the account it is placed in), with no password: a passkey
   * sign-in is a two-factor sign-in. Refused: UNAUTHENTICATED (counted as a failed
   * sign-in); a ceremony unknown, used or expired: BAD_USER_INPUT on `challengeId`.
   */
  finishPasskeyLogin: AuthPayload;
  /**
   * Finishes the registration begun last with what `navigator.credentials.create`
   * answered (its binary fields as base64url), kept as `name`. The user is emailed.
   */
  finishPasskeyRegistration: Passkey;
  /**
   * Invites an email to an account (MANAGE_CONTACTS). An email with a pending
   * invitation is a CONFLICT: resend that one instead. At most 50 per account per day.
   */
  inviteUser: Invitation;
  /**
   * Wrong password and unknown email get the same answer. With two-factor sign-in
   * on, a right password without `totpCode` (a code from the app, or a recovery
   * code), or with a wrong one, is UNAUTHENTICATED with reason TOTP_REQUIRED.
   */
  login: AuthPayload;
  /** Ends this session (other sessions of the user stay). */
  logout: Scalars['Boolean']['output'];
  /**
   * Opens a support ticket (OPEN_TICKETS), about one of the account's services or
   * domains if it names one. An id the author cannot see is NOT_FOUND.
   */
  openTicket: Ticket;
  /** Records a payment of an unpaid or overdue invoice (PAY_INVOICES and VIEW_INVOICES). */
  payInvoice: Invoice;
  /** Sends a delivery again, now, with the same `webhook-id`. Needs MANAGE_ACCOUNT. */
  redeliverWebhook: WebhookDelivery;
  /** Creates an account, its owner's login and primary contact, and signs in. */
  register: AuthPayload;
  /**
   * Removes a contact for good (MANAGE_CONTACTS and the actor's current password).
   * Their sessions stop working in this account at once. Returns the removed id.
   */
  removeContact: Scalars['ID']['output'];
  /**
   * Removes one of the signed-in user's passkeys (their current password checked);
   * they are emailed. Returns its id.
   */
  removePasskey: Scalars['ID']['output'];
  /** Renames one of the signed-in user's passkeys. */
  renamePasskey: Passkey;
  /** Replies on a ticket (OPEN_TICKETS and VIEW_TICKETS; staff answer any ticket). */
  replyToTicket: TicketReply;
  /**
   * Emails the signed-in person a link to a copy of everything held about them: one
   * JSON document (docs/schemas/personal-data.v1.json) with their profile,
   * memberships, contact cards and notification preferences, sessions, API tokens,
   * passkeys, tickets and replies, audit entries and the emails sent to them; no
   * secret. The link (`/exports/{token}`) works once, within 24 hours. At most 5
   * exports an hour per login (RATE_LIMITED).
   */
  requestDataExport: Scalars['Boolean']['output'];
  /** Always true: the answer does not say whether the email has a login. */
  requestPasswordReset: Scalars['Boolean']['output'];
  /**
   * Sends a pending invitation again: new link, new expiry; the old link dies. Needs
   * MANAGE_CONTACTS.
   */
  resendInvitation: Invitation;
  /** Sets a new password from an emailed link; every session of the user ends. */
  resetPassword: Scalars['Boolean']['output'];
  /** Staff: turns a user's two-factor sign-in off (lost device and codes); audited. */
  resetTwoFactor: Scalars['Boolean']['output'];
  /**
   * Revokes an API token: your own, or (MANAGE_CONTACTS) one of a member who holds
   * no more than you. Its next request is UNAUTHENTICATED (reason API_TOKEN_REVOKED)
   * and its live streams end, on every instance. Its member is emailed.
   */
  revokeApiToken: ApiToken;
  /** Withdraws a pending invitation. Needs MANAGE_CONTACTS. */
  revokeInvitation: Invitation;
  /**
   * Ends one of the viewer's own sessions (`viewer.sessions`): its token stops
   * working and its WebSockets close.
   */
  revokeSession: Scalars['Boolean']['output'];
  /** Staff: ends every session of a user; answers how many there were. */
  revokeUserSessions: Scalars['Int']['output'];
  /**
   * A new signing secret (in this answer only); the old one keeps signing beside it
   * for 24 hours. Needs MANAGE_ACCOUNT.
   */
  rotateWebhookSecret: KeyedWebhookEndpoint;
  /**
   * Staff: emails a message in `category` to each of the account's contacts who
   * receive it (one email each). Returns how many were sent.
   */
  sendNotification: Scalars['Int']['output'];
  /**
   * Invites an existing contact (with an email and no login yet) to the portal. Needs
   * MANAGE_CONTACTS.
   */
  sendPortalInvite: Invitation;
  /** Queues a `webhook.test` delivery to the endpoint. Needs MANAGE_ACCOUNT. */
  sendTestWebhook: WebhookDelivery;
  /**
   * The owner's security settings (needs TRANSFER_OWNERSHIP, which only the owner
   * holds); a setting left out stays as it is. With `requireTwoFactor`, members who
   * have not turned on two-factor sign-in are refused on this account (FORBIDDEN,
   * reason TWO_FACTOR_REQUIRED) until they do; their other accounts are not
   * affected; turning it on needs the owner's own two-factor sign-in. With
   * `allowApiTokens: false`, members may not create API tokens, and every token of
   * the account is revoked.
   */
  setAccountSecurity: Account;
  /**
   * Names the contact printed on invoices (MANAGE_ACCOUNT); null clears it. The
   * account is the contact's, or `accountId` (default: the session's current
   * account) when clearing.
   */
  setBillingContact: Account;
  /**
   * No sign-in: sets the categories the contact named by the emailed token
   * receives (the whole list).
   */
  setEmailPreferences: EmailPreferences;
  /**
   * Grants or revokes a contact's login; the contact card stays. Needs MANAGE_CONTACTS
   * and at least the permissions the contact holds.
   */
  setPortalAccess: Contact;
  /** Staff: provisions, suspends or terminates a service. */
  setServiceStatus: Service;
  /** Places the session in one of the viewer's accounts (staff: any account). */
  switchAccount: Viewer;
  /**
   * Makes another contact with portal access the owner (TRANSFER_OWNERSHIP and the
   * actor's current password); the previous owner becomes ADMIN.
   */
  transferOwnership: Account;
  /** Edits a contact (MANAGE_CONTACTS). */
  updateContact: Contact;
  /** Staff: changes the portal's settings. */
  updatePortalSettings: PortalSettings;
  /** Changes an endpoint (MANAGE_ACCOUNT); `enabled: true` turns a disabled one on. */
  updateWebhookEndpoint: WebhookEndpoint;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationAcceptInvitationArgs = {
  input?: InputMaybe<AcceptInvitationInput>;
  token: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationAddContactArgs = {
  accountId: Scalars['ID']['input'];
  input: AddContactInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationAddTicketReplyFromEmailArgs = {
  body: Scalars['String']['input'];
  fromEmail: Scalars['String']['input'];
  ticketId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationBeginPasskeyLoginArgs = {
  email?: InputMaybe<Scalars['String']['input']>;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationBeginPasskeyRegistrationArgs = {
  currentPassword?: InputMaybe<Scalars['String']['input']>;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationChangePasswordArgs = {
  currentPassword: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationConfirmTotpArgs = {
  code: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationCreateAccountArgs = {
  name: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationCreateApiTokenArgs = {
  accountId: Scalars['ID']['input'];
  currentPassword: Scalars['String']['input'];
  input: CreateApiTokenInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationCreateDomainArgs = {
  accountId: Scalars['ID']['input'];
  input: CreateDomainInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationCreateInvoiceArgs = {
  accountId: Scalars['ID']['input'];
  input: CreateInvoiceInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationCreateServiceArgs = {
  accountId: Scalars['ID']['input'];
  input: CreateServiceInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationCreateWebhookEndpointArgs = {
  accountId: Scalars['ID']['input'];
  input: WebhookEndpointInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationDefineNotificationCategoryArgs = {
  input: NotificationCategoryInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationDeleteMyLoginArgs = {
  currentPassword: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationDeleteWebhookEndpointArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationDisableTotpArgs = {
  code: Scalars['String']['input'];
  currentPassword: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationEnrollTotpArgs = {
  currentPassword: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationEraseContactArgs = {
  currentPassword: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationEraseUserArgs = {
  userId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationExportAccountArgs = {
  accountId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationFinishPasskeyLoginArgs = {
  challengeId: Scalars['ID']['input'];
  credential: Scalars['JSON']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationFinishPasskeyRegistrationArgs = {
  credential: Scalars['JSON']['input'];
  name: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationInviteUserArgs = {
  accountId: Scalars['ID']['input'];
  input: InviteUserInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationLoginArgs = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
  totpCode?: InputMaybe<Scalars['String']['input']>;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationOpenTicketArgs = {
  accountId: Scalars['ID']['input'];
  body: Scalars['String']['input'];
  domainId?: InputMaybe<Scalars['ID']['input']>;
  serviceId?: InputMaybe<Scalars['ID']['input']>;
  subject: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationPayInvoiceArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRedeliverWebhookArgs = {
  deliveryId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRegisterArgs = {
  input: RegisterInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRemoveContactArgs = {
  currentPassword: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRemovePasskeyArgs = {
  currentPassword: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRenamePasskeyArgs = {
  id: Scalars['ID']['input'];
  name: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationReplyToTicketArgs = {
  body: Scalars['String']['input'];
  ticketId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRequestPasswordResetArgs = {
  email: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationResendInvitationArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationResetPasswordArgs = {
  newPassword: Scalars['String']['input'];
  token: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationResetTwoFactorArgs = {
  userId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRevokeApiTokenArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRevokeInvitationArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRevokeSessionArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRevokeUserSessionsArgs = {
  userId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationRotateWebhookSecretArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationSendNotificationArgs = {
  accountId: Scalars['ID']['input'];
  body: Scalars['String']['input'];
  category: Scalars['String']['input'];
  subject: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationSendPortalInviteArgs = {
  contactId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationSendTestWebhookArgs = {
  endpointId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationSetAccountSecurityArgs = {
  accountId: Scalars['ID']['input'];
  allowApiTokens?: InputMaybe<Scalars['Boolean']['input']>;
  requireTwoFactor?: InputMaybe<Scalars['Boolean']['input']>;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationSetBillingContactArgs = {
  accountId?: InputMaybe<Scalars['ID']['input']>;
  contactId?: InputMaybe<Scalars['ID']['input']>;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationSetEmailPreferencesArgs = {
  categories: Array<Scalars['String']['input']>;
  token: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationSetPortalAccessArgs = {
  contactId: Scalars['ID']['input'];
  enabled: Scalars['Boolean']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationSetServiceStatusArgs = {
  id: Scalars['ID']['input'];
  status: ServiceStatus;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationSwitchAccountArgs = {
  accountId: Scalars['ID']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationTransferOwnershipArgs = {
  contactId: Scalars['ID']['input'];
  currentPassword: Scalars['String']['input'];
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationUpdateContactArgs = {
  id: Scalars['ID']['input'];
  input: UpdateContactInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationUpdatePortalSettingsArgs = {
  input: PortalSettingsInput;
};


/**
 * What can be changed. Each mutation says who may run it. Those marked `@personOnly`
 * refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
 */
export type MutationUpdateWebhookEndpointArgs = {
  id: Scalars['ID']['input'];
  input: WebhookEndpointChanges;
};

/** A category of email: one of the six built-ins or one staff defined. */
export type NotificationCategory = {
  __typename?: 'NotificationCategory';
  /**
   * One of the six that come with the portal (INVOICE, PRODUCT, DOMAIN, SUPPORT,
   * GENERAL, MARKETING); false for those staff defined.
   */
  builtIn: Scalars['Boolean']['output'];
  /** The roles whose contacts receive it unless they opt out. */
  defaultRoles: Array<Role>;
  /** A capitalised key such as `INVOICE` or `VEHICLE_UPDATES`. */
  key: Scalars['String']['output'];
  /** The name people see (e.g. "Invoices and payments"). */
  label: Scalars['String']['output'];
};

/** A category of email, new or relabelled. */
export type NotificationCategoryInput = {
  /** The roles whose contacts receive it by default (none: opt-in only). */
  defaultRoles?: InputMaybe<Array<Role>>;
  /** 1–64 capital letters, digits or underscores, starting with a letter. */
  key: Scalars['String']['input'];
  /** The name people see (at most 200 characters). */
  label: Scalars['String']['input'];
};

/** Information about pagination in a connection */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** When paginating forwards, the cursor to continue. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** When paginating forwards, are there more items? */
  hasNextPage: Scalars['Boolean']['output'];
  /** When paginating backwards, are there more items? */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** When paginating backwards, the cursor to continue. */
  startCursor: Maybe<Scalars['String']['output']>;
};

/**
 * One of the signed-in user's passkeys (`viewer.passkeys`): a name and dates, never the
 * key. It signs them in without a password, and counts as two-factor sign-in.
 */
export type Passkey = {
  __typename?: 'Passkey';
  /** When it was added. */
  createdAt: Scalars['DateTime']['output'];
  /** The passkey's id (`renamePasskey`, `removePasskey`). */
  id: Scalars['ID']['output'];
  /** When it last signed its user in (null: never). */
  lastUsedAt: Maybe<Scalars['DateTime']['output']>;
  /** The name the user gave it. */
  name: Scalars['String']['output'];
};

/**
 * A passkey ceremony begun: pass `options` to the browser
 * (`navigator.credentials.create` or `.get`, after decoding its base64url fields),
 * then finish with what it answers (and `challengeId`, for a sign-in) within five
 * minutes.
 */
export type PasskeyCeremony = {
  __typename?: 'PasskeyCeremony';
  /** This ceremony, for `finishPasskeyLogin`. */
  challengeId: Scalars['ID']['output'];
  /** `{ publicKey: … }`, binary fields as base64url. */
  options: Scalars['JSON']['output'];
};

/**
 * One thing a member may do in an account; a role is a preset of them, and staff hold
 * them all. A scoped member never holds the account-wide ones (VIEW_INVOICES,
 * PAY_INVOICES, MANAGE_CONTACTS, MANAGE_ACCOUNT, VIEW_EMAILS, VIEW_AUDIT_LOG,
 * TRANSFER_OWNERSHIP), and an API token only those it was given.
 */
export type Permission =
  /** Manage the account: its billing contact, webhook endpoints and exports. */
  | 'MANAGE_ACCOUNT'
  /**
   * Add, edit and remove contacts, grant portal access, invite, see and revoke the
   * members' API tokens, and follow `contactEvents` and `invitationEvents`.
   */
  | 'MANAGE_CONTACTS'
  /** Open tickets and reply to them (a reply needs VIEW_TICKETS too). */
  | 'OPEN_TICKETS'
  /** Pay invoices (`payInvoice`, which needs VIEW_INVOICES too). */
  | 'PAY_INVOICES'
  /**
   * Transfer ownership and set the account's security (`setAccountSecurity`): the
   * owner's alone.
   */
  | 'TRANSFER_OWNERSHIP'
  /** See the account's audit log (`Account.auditLog`). */
  | 'VIEW_AUDIT_LOG'
  /** See the account's domain names. */
  | 'VIEW_DOMAINS'
  /** See the account's email history (`Account.emails`). */
  | 'VIEW_EMAILS'
  /**
   * See invoices (list, amounts, PDFs) and every price, such as a service's
   * recurring amount.
   */
  | 'VIEW_INVOICES'
  /** See the account's services (their price needs VIEW_INVOICES too). */
  | 'VIEW_SERVICES'
  /** See a service's login password (`Service.password`). */
  | 'VIEW_SERVICE_PASSWORDS'
  /** See support tickets and their replies. */
  | 'VIEW_TICKETS';

/**
 * The portal's settings, the same for every account; staff change them
 * (`updatePortalSettings`).
 */
export type PortalSettings = {
  __typename?: 'PortalSettings';
  /** When false, only staff may add, edit or remove contacts. */
  allowClientContactManagement: Scalars['Boolean']['output'];
  /**
   * How long a new invitation's link works, in hours (1 to 8760; default 168, a
   * week).
   */
  invitationTtlHours: Scalars['Int']['output'];
};

/** Changes to the portal's settings; a setting left out stays as it is. */
export type PortalSettingsInput = {
  /** When false, only staff may add, edit or remove contacts. */
  allowClientContactManagement?: InputMaybe<Scalars['Boolean']['input']>;
  /** How long a new invitation's link works, in hours: 1 to 8760 (a year). */
  invitationTtlHours?: InputMaybe<Scalars['Int']['input']>;
};

/**
 * What can be read. Without a session, `viewer` (null), `portalSettings`,
 * `notificationCategories`, `webhookEventTypes` and `emailPreferences` still answer;
 * the rest needs a session or an API token.
 */
export type Query = {
  __typename?: 'Query';
  /** One of the viewer's accounts (staff: any). Other ids are NOT_FOUND (and null). */
  account: Maybe<Account>;
  /**
   * Staff: every account, oldest first, optionally filtered by name. Anyone else is
   * FORBIDDEN.
   */
  accounts: AccountConnection;
  /**
   * No sign-in: the email preferences of the contact named by the token in one of
   * their emails (the link `{PUBLIC_URL}/email-preferences/{token}`). A bad or dead
   * token is BAD_USER_INPUT.
   */
  emailPreferences: Maybe<EmailPreferences>;
  /**
   * Every category of email: the six built-ins first, then those staff defined.
   * Anyone may read them, signed in or not.
   */
  notificationCategories: Array<NotificationCategory>;
  /**
   * The portal's settings (staff change them with `updatePortalSettings`). Anyone may
   * read them, signed in or not.
   */
  portalSettings: PortalSettings;
  /** The signed-in user; null when not signed in. A dead token is UNAUTHENTICATED. */
  viewer: Maybe<Viewer>;
  /**
   * The event types a webhook endpoint may take (`WebhookEndpointInput.eventTypes`),
   * as its deliveries' `type` names them.
   */
  webhookEventTypes: Array<Scalars['String']['output']>;
};


/**
 * What can be read. Without a session, `viewer` (null), `portalSettings`,
 * `notificationCategories`, `webhookEventTypes` and `emailPreferences` still answer;
 * the rest needs a session or an API token.
 */
export type QueryAccountArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What can be read. Without a session, `viewer` (null), `portalSettings`,
 * `notificationCategories`, `webhookEventTypes` and `emailPreferences` still answer;
 * the rest needs a session or an API token.
 */
export type QueryAccountsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


/**
 * What can be read. Without a session, `viewer` (null), `portalSettings`,
 * `notificationCategories`, `webhookEventTypes` and `emailPreferences` still answer;
 * the rest needs a session or an API token.
 */
export type QueryEmailPreferencesArgs = {
  token: Scalars['String']['input'];
};

/** A new account with its owner: their login and their primary contact card. */
export type RegisterInput = {
  /** The account's name (a business, a household). */
  accountName: Scalars['String']['input'];
  /** The owner's email, to sign in with; not already a login's. */
  email: Scalars['String']['input'];
  /** The owner's given name. */
  firstName: Scalars['String']['input'];
  /** The owner's family name. */
  lastName: Scalars['String']['input'];
  /** The owner's password: 10 to 256 characters, not one of the 10,000 most common. */
  password: Scalars['String']['input'];
};

/** Who wrote a ticket reply, as the account knows them. */
export type ReplyBadge =
  /** A member of the account (a contact with portal access). */
  | 'AUTHORIZED_USER'
  /** A sender the account does not know. */
  | 'GUEST'
  /** The account's owner. */
  | 'OWNER'
  /** The portal's staff. */
  | 'STAFF'
  /** A contact of the account without a login, e.g. replying by email. */
  | 'SUB_ACCOUNT';

/** A member's role in an account: a preset of permissions, or CUSTOM. */
export type Role =
  /** Every permission but TRANSFER_OWNERSHIP. */
  | 'ADMIN'
  /** Invoices: VIEW_INVOICES and PAY_INVOICES. */
  | 'BILLING'
  /** The permissions picked one by one (never TRANSFER_OWNERSHIP). */
  | 'CUSTOM'
  /**
   * The primary contact's alone: every permission. Never given; only
   * `transferOwnership` moves it.
   */
  | 'OWNER'
  /**
   * Services, domains and tickets: VIEW_SERVICES, VIEW_SERVICE_PASSWORDS,
   * VIEW_DOMAINS, VIEW_TICKETS and OPEN_TICKETS.
   */
  | 'TECHNICAL';

/** The services and domains of its account a member (or an invitation) is limited to. */
export type Scope = {
  __typename?: 'Scope';
  /** The ids of the domains in scope. */
  domainIds: Array<Scalars['ID']['output']>;
  /** The ids of the services in scope. */
  serviceIds: Array<Scalars['ID']['output']>;
};

/**
 * The services and domains a member looks after. Ids not of the account (or outside
 * the giver's own scope) are NOT_FOUND.
 */
export type ScopeInput = {
  /** The account's domains the member sees (at most 500). */
  domainIds: Array<Scalars['ID']['input']>;
  /** The account's services the member sees (at most 500). */
  serviceIds: Array<Scalars['ID']['input']>;
};

/**
 * A product or service the account has (hosting, a licence, a support plan…). Listed
 * for members with VIEW_SERVICES (a scoped member: those in their scope); its password
 * needs VIEW_SERVICE_PASSWORDS and its price VIEW_INVOICES.
 */
export type Service = {
  __typename?: 'Service';
  /** The service's id. */
  id: Scalars['ID']['output'];
  /** The service's login password. Needs VIEW_SERVICE_PASSWORDS. */
  password: Maybe<Scalars['String']['output']>;
  /** What it is, as sold (e.g. "Web hosting"). */
  productName: Scalars['String']['output'];
  /**
   * What it costs each billing period (no currency is stored with it): a price, so
   * only for those who may see invoices. Needs VIEW_INVOICES.
   */
  recurringAmount: Maybe<Scalars['Decimal']['output']>;
  /** Pending, active, suspended or terminated. */
  status: ServiceStatus;
  /** The service's login name, if it has one. */
  username: Maybe<Scalars['String']['output']>;
};

/**
 * A page of services: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type ServiceConnection = {
  __typename?: 'ServiceConnection';
  /** A list of edges. */
  edges: Array<ServiceEdge>;
  /** A list of nodes. */
  nodes: Array<Service>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ServiceEdge = {
  __typename?: 'ServiceEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Service;
};

/** Where a service stands. */
export type ServiceStatus =
  /** Provisioned and running. */
  | 'ACTIVE'
  /** Ordered, not yet provisioned (a service cannot go back to it). */
  | 'PENDING'
  /** Stopped for now. */
  | 'SUSPENDED'
  /** Ended. */
  | 'TERMINATED';

/** One of the viewer's signed-in sessions (`viewer.sessions`). */
export type Session = {
  __typename?: 'Session';
  /** When it signed in. */
  createdAt: Scalars['DateTime']['output'];
  /** Whether this is the session asking. */
  current: Scalars['Boolean']['output'];
  /** When it ends however much it is used (it ends sooner unused). */
  expiresAt: Scalars['DateTime']['output'];
  /** The session's id (`revokeSession`). */
  id: Scalars['ID']['output'];
  /** The client address it signed in from. */
  ipAddress: Maybe<Scalars['String']['output']>;
  /** When the session was last used (kept to the minute). */
  lastSeenAt: Scalars['DateTime']['output'];
  /** The `User-Agent` of the client it signed in from. */
  userAgent: Maybe<Scalars['String']['output']>;
};

/**
 * Live streams, over the WebSocket at `/graphql/ws`. A stream the server ends says
 * why in its last message: FORBIDDEN when the subscriber lost the right to it,
 * UNAUTHENTICATED when their session ended, RESUBSCRIBE when they fell too far behind
 * (resubscribe from the last cursor: nothing is missed).
 */
export type Subscription = {
  __typename?: 'Subscription';
  /**
   * Contact changes of an account (null: every account, staff only). Needs
   * MANAGE_CONTACTS on the account.
   */
  contactEvents: ContactEvent;
  /**
   * Invitation changes of an account (null: every account, staff only). Needs
   * MANAGE_CONTACTS on the account.
   */
  invitationEvents: InvitationEvent;
  /**
   * The viewer's own membership in an account (any member): as it is now, then again
   * each time it changes (role, permissions, scope, end of access), so a page can
   * show what the member may see as it changes. Ends FORBIDDEN when they are no
   * longer a member, UNAUTHENTICATED when their session ends.
   */
  membershipChanges: Membership;
};


/**
 * Live streams, over the WebSocket at `/graphql/ws`. A stream the server ends says
 * why in its last message: FORBIDDEN when the subscriber lost the right to it,
 * UNAUTHENTICATED when their session ended, RESUBSCRIBE when they fell too far behind
 * (resubscribe from the last cursor: nothing is missed).
 */
export type SubscriptionContactEventsArgs = {
  accountId?: InputMaybe<Scalars['ID']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Live streams, over the WebSocket at `/graphql/ws`. A stream the server ends says
 * why in its last message: FORBIDDEN when the subscriber lost the right to it,
 * UNAUTHENTICATED when their session ended, RESUBSCRIBE when they fell too far behind
 * (resubscribe from the last cursor: nothing is missed).
 */
export type SubscriptionInvitationEventsArgs = {
  accountId?: InputMaybe<Scalars['ID']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Live streams, over the WebSocket at `/graphql/ws`. A stream the server ends says
 * why in its last message: FORBIDDEN when the subscriber lost the right to it,
 * UNAUTHENTICATED when their session ended, RESUBSCRIBE when they fell too far behind
 * (resubscribe from the last cursor: nothing is missed).
 */
export type SubscriptionMembershipChangesArgs = {
  accountId: Scalars['ID']['input'];
};

/**
 * A support request and its conversation. Members with VIEW_TICKETS see the
 * account's tickets (a scoped member: those they opened and those about a service or
 * domain in their scope).
 */
export type Ticket = {
  __typename?: 'Ticket';
  /** The domain the ticket is about, if it names one. */
  domainId: Maybe<Scalars['ID']['output']>;
  /** The ticket's id. */
  id: Scalars['ID']['output'];
  /** The conversation, oldest first; the first is the message it was opened with. */
  replies: Array<TicketReply>;
  /** The service the ticket is about, if it names one. */
  serviceId: Maybe<Scalars['ID']['output']>;
  /** Where it stands: who is to answer next. */
  status: TicketStatus;
  /** The subject line. */
  subject: Scalars['String']['output'];
};

/**
 * A page of support tickets: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type TicketConnection = {
  __typename?: 'TicketConnection';
  /** A list of edges. */
  edges: Array<TicketEdge>;
  /** A list of nodes. */
  nodes: Array<Ticket>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type TicketEdge = {
  __typename?: 'TicketEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Ticket;
};

/** One message in a ticket's conversation. */
export type TicketReply = {
  __typename?: 'TicketReply';
  /** The author's name as shown on the reply. */
  authorName: Scalars['String']['output'];
  /** Who the author is to the account. */
  badge: ReplyBadge;
  /** The message: plain text, line breaks kept. */
  body: Scalars['String']['output'];
  /** When it was written. */
  createdAt: Scalars['DateTime']['output'];
  /** The reply's id. */
  id: Scalars['ID']['output'];
};

/** Where a support ticket stands. */
export type TicketStatus =
  /** Staff replied last. */
  | 'ANSWERED'
  /** Closed; a new reply reopens it. */
  | 'CLOSED'
  /** The customer's side replied last: waiting for staff. */
  | 'CUSTOMER_REPLY'
  /** Opened, waiting for staff. */
  | 'OPEN';

/** A two-factor secret being enrolled, for an authenticator app. */
export type TotpEnrollment = {
  __typename?: 'TotpEnrollment';
  /** `otpauth://totp/…`, to show as a QR code. */
  otpauthUri: Scalars['String']['output'];
  /** Base32, to type in. */
  secret: Scalars['String']['output'];
};

/** Fields left out stay as they are; optional text fields set to null are cleared. */
export type UpdateContactInput = {
  /**
   * Moves the end of temporary access (in the future), or with null makes the
   * access permanent. Not on one's own card.
   */
  accessExpiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** The whole address: it replaces every part (a part left out is cleared). */
  address?: InputMaybe<AddressInput>;
  /** The company the contact is with; null clears it. */
  companyName?: InputMaybe<Scalars['String']['input']>;
  /**
   * Email address, unique among the account's contacts; null clears it (not on a
   * contact with portal access).
   */
  email?: InputMaybe<Scalars['String']['input']>;
  /** Given name. */
  firstName?: InputMaybe<Scalars['String']['input']>;
  /** Family name. */
  lastName?: InputMaybe<Scalars['String']['input']>;
  /** The notification category keys the contact receives (the whole list). */
  notificationPreferences?: InputMaybe<Array<Scalars['String']['input']>>;
  /** For the CUSTOM role: the permissions picked one by one. */
  permissions?: InputMaybe<Array<Permission>>;
  /** Phone number; null clears it. */
  phone?: InputMaybe<Scalars['String']['input']>;
  /** Free text (spouse, assistant, bookkeeper…); null clears it. */
  relationship?: InputMaybe<Scalars['String']['input']>;
  /** The new role (never OWNER). */
  role?: InputMaybe<Role>;
  /**
   * Scoped access: limits the contact to these services and domains; null gives
   * them the whole account again.
   */
  scope?: InputMaybe<ScopeInput>;
};

/**
 * A login identity: one email and one set of credentials for every account the user
 * belongs to. Shown to the user themselves (`viewer.user`).
 */
export type User = {
  __typename?: 'User';
  /** The email the user signs in with (unique, compared ignoring case). */
  email: Scalars['String']['output'];
  /** Given name. */
  firstName: Scalars['String']['output'];
  /** The user's id (`userId` in staff mutations). */
  id: Scalars['ID']['output'];
  /** Family name. */
  lastName: Scalars['String']['output'];
};

/**
 * The signed-in user as they see themselves: who they are, their accounts, the
 * account their session is in and what they may do there. Only ever their own.
 */
export type Viewer = {
  __typename?: 'Viewer';
  /** The user's API tokens, newest first (`revokeApiToken` ends one). */
  apiTokens: Array<ApiToken>;
  /**
   * The account the session is placed in; null until `switchAccount` for a user
   * with several accounts.
   */
  currentAccount: Maybe<Account>;
  /**
   * One of the portal's staff: they see every account and pass every permission
   * check.
   */
  isStaff: Scalars['Boolean']['output'];
  /** Every account this user belongs to. */
  memberships: Array<Membership>;
  /** The user's passkeys, oldest first (`removePasskey` ends one). */
  passkeys: Array<Passkey>;
  /**
   * The password was generated and emailed: until the viewer chooses their own
   * (`changePassword`), anything but `viewer`, `changePassword` and `logout` is
   * FORBIDDEN with reason PASSWORD_CHANGE_REQUIRED.
   */
  passwordChangeRequired: Scalars['Boolean']['output'];
  /**
   * The viewer's permissions in the current account (all of them for staff); none
   * while they must change their password, or the account requires a second factor
   * they have not turned on.
   */
  permissions: Array<Permission>;
  /**
   * The user's signed-in sessions, most recently used first (`revokeSession` ends
   * one).
   */
  sessions: Array<Session>;
  /** Two-factor sign-in is on. */
  twoFactorEnabled: Scalars['Boolean']['output'];
  /** The signed-in user. */
  user: User;
};

/**
 * One event for one endpoint: what was sent, each attempt's outcome, and what comes
 * next.
 */
export type WebhookDelivery = {
  __typename?: 'WebhookDelivery';
  /** How many attempts were made so far. */
  attempts: Scalars['Int']['output'];
  /** When the delivery was queued. */
  createdAt: Scalars['DateTime']['output'];
  /** When the endpoint accepted it (answered 2xx); null until then. */
  deliveredAt: Maybe<Scalars['DateTime']['output']>;
  /** The event's type (one of `Query.webhookEventTypes`, or `webhook.test`). */
  eventType: Scalars['String']['output'];
  /** The delivery's id (`redeliverWebhook`). */
  id: Scalars['ID']['output'];
  /**
   * Why the last attempt got no answer, when it got none: the address was refused,
   * the connection failed, or it timed out.
   */
  lastError: Maybe<Scalars['String']['output']>;
  /** The first KiB of the last answer's body. */
  lastResponseBody: Maybe<Scalars['String']['output']>;
  /** The HTTP status of the last attempt's answer, if one came. */
  lastResponseStatus: Maybe<Scalars['Int']['output']>;
  /** Its `webhook-id`: the same on every attempt, so receivers deduplicate. */
  messageId: Scalars['String']['output'];
  /** When it is tried (next), while PENDING. */
  nextAttemptAt: Maybe<Scalars['DateTime']['output']>;
  /** Pending, succeeded or failed. */
  status: WebhookDeliveryStatus;
};

/**
 * A page of webhook deliveries: `edges` (each node with its `cursor`) or just `nodes`,
 * `pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before (`before: pageInfo.startCursor` with `last`), and `totalCount`.
 */
export type WebhookDeliveryConnection = {
  __typename?: 'WebhookDeliveryConnection';
  /** A list of edges. */
  edges: Array<WebhookDeliveryEdge>;
  /** A list of nodes. */
  nodes: Array<WebhookDelivery>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list has, across pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type WebhookDeliveryEdge = {
  __typename?: 'WebhookDeliveryEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: WebhookDelivery;
};

/** Where a delivery stands. */
export type WebhookDeliveryStatus =
  /** Out of attempts, or its endpoint was disabled. */
  | 'FAILED'
  /** Waiting for its (next) attempt. */
  | 'PENDING'
  /** The endpoint answered 2xx. */
  | 'SUCCEEDED';

/**
 * Where the account's events are POSTed, signed (Standard Webhooks 1.0). Members with
 * MANAGE_ACCOUNT see the account's endpoints (`Account.webhookEndpoints`); never the
 * secret, which creating or rotating answers once.
 */
export type WebhookEndpoint = {
  __typename?: 'WebhookEndpoint';
  /** When it was registered. */
  createdAt: Scalars['DateTime']['output'];
  /**
   * Its deliveries, newest first: what was sent, how it went, when it is tried next.
   * Needs MANAGE_ACCOUNT, as the endpoint does.
   */
  deliveries: WebhookDeliveryConnection;
  /** What it is for, in the words of whoever registered it. */
  description: Maybe<Scalars['String']['output']>;
  /** Why it is disabled: by a member, or after failing for five days. */
  disabledReason: Maybe<Scalars['String']['output']>;
  /** Whether deliveries are sent to it (see `disabledReason` when not). */
  enabled: Scalars['Boolean']['output'];
  /** The event types it receives (`contact.created`, `invoice.paid`, …). */
  eventTypes: Array<Scalars['String']['output']>;
  /** The endpoint's id. */
  id: Scalars['ID']['output'];
  /**
   * After a rotation: until when the secret before it still signs beside the new
   * one (24 hours); null when only one secret signs.
   */
  previousSecretExpiresAt: Maybe<Scalars['DateTime']['output']>;
  /** Where deliveries are POSTed. */
  url: Scalars['String']['output'];
};


/**
 * Where the account's events are POSTed, signed (Standard Webhooks 1.0). Members with
 * MANAGE_ACCOUNT see the account's endpoints (`Account.webhookEndpoints`); never the
 * secret, which creating or rotating answers once.
 */
export type WebhookEndpointDeliveriesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** Fields left out stay as they are. */
export type WebhookEndpointChanges = {
  /** A new description; null clears it. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** True turns a disabled endpoint on; false stops its deliveries. */
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  /**
   * The event types it takes from now on (the whole list; see
   * `Query.webhookEventTypes`).
   */
  eventTypes?: InputMaybe<Array<Scalars['String']['input']>>;
  /** A new URL: HTTPS, reaching a public address. */
  url?: InputMaybe<Scalars['String']['input']>;
};

/** A new webhook endpoint. */
export type WebhookEndpointInput = {
  /** What it is for, for the people who manage it. */
  description?: InputMaybe<Scalars['String']['input']>;
  /**
   * `contact.created|updated|removed`, `invitation.sent|accepted|revoked`,
   * `invoice.created|paid`, `service.status_changed`, `ticket.opened|replied`.
   */
  eventTypes: Array<Scalars['String']['input']>;
  /** HTTPS, reaching a public address. */
  url: Scalars['String']['input'];
};
