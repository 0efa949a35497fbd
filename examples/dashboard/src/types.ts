// The parts of schema.graphql this dashboard reads, and the fragments that select them.

export type Role = 'OWNER' | 'ADMIN' | 'BILLING' | 'TECHNICAL' | 'CUSTOM';
export type Permission =
  | 'VIEW_INVOICES'
  | 'PAY_INVOICES'
  | 'VIEW_SERVICES'
  | 'VIEW_SERVICE_PASSWORDS'
  | 'VIEW_DOMAINS'
  | 'VIEW_TICKETS'
  | 'OPEN_TICKETS'
  | 'MANAGE_CONTACTS'
  | 'MANAGE_ACCOUNT'
  | 'VIEW_EMAILS'
  | 'VIEW_AUDIT_LOG'
  | 'TRANSFER_OWNERSHIP';

/** Every permission, in the schema's order (how the dashboard lists them). */
export const PERMISSIONS: Permission[] = [
  'VIEW_INVOICES',
  'PAY_INVOICES',
  'VIEW_SERVICES',
  'VIEW_SERVICE_PASSWORDS',
  'VIEW_DOMAINS',
  'VIEW_TICKETS',
  'OPEN_TICKETS',
  'MANAGE_CONTACTS',
  'MANAGE_ACCOUNT',
  'VIEW_EMAILS',
  'VIEW_AUDIT_LOG',
  'TRANSFER_OWNERSHIP',
];

/** Roles a contact or invitation can be given here (OWNER only moves by transfer; CUSTOM needs a permission picker). */
export const GRANTABLE_ROLES: Role[] = ['ADMIN', 'BILLING', 'TECHNICAL'];

/** Roles a scope can go with: a scoped member holds nothing account-wide, and OWNER,
 * ADMIN and BILLING are made of account-wide permissions (a CUSTOM role may be too:
 * the server says so, BAD_USER_INPUT). */
export const SCOPABLE_ROLES: Role[] = ['TECHNICAL', 'CUSTOM'];

/** The services and domains a member is limited to; null elsewhere = the whole account. */
export interface Scope {
  serviceIds: string[];
  domainIds: string[];
}

export interface AccountRef {
  id: string;
  name: string;
}

export interface Membership {
  account: AccountRef;
  role: Role;
  permissions: Permission[];
  accessExpiresAt: string | null;
  scope: Scope | null;
}

/** A membership's fields, as the viewer's list and `membershipChanges` both select them. */
export const MEMBERSHIP_FIELDS = `account { id name } role permissions accessExpiresAt scope { serviceIds domainIds }`;

export interface Viewer {
  user: { id: string; email: string; firstName: string; lastName: string };
  isStaff: boolean;
  memberships: Membership[];
  currentAccount: AccountRef | null;
  permissions: Permission[];
}

export const VIEWER_FIELDS = `
  user { id email firstName lastName }
  isStaff
  memberships { ${MEMBERSHIP_FIELDS} }
  currentAccount { id name }
  permissions
`;

export interface Contact {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  role: Role;
  isPrimary: boolean;
  portalAccess: boolean;
  accessExpiresAt: string | null;
  scope: Scope | null;
  updatedAt: string;
}

export const CONTACT_FIELDS = `
  id firstName lastName email phone role isPrimary portalAccess accessExpiresAt scope { serviceIds domainIds } updatedAt
`;

export type InvitationStatus = 'PENDING' | 'ACCEPTED' | 'REVOKED' | 'EXPIRED';

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  expiresAt: string;
  accessExpiresAt: string | null;
  createdAt: string;
}

export const INVITATION_FIELDS = `id email role status expiresAt accessExpiresAt createdAt`;

export interface Invoice {
  id: string;
  number: string;
  status: 'UNPAID' | 'PAID' | 'OVERDUE' | 'CANCELLED';
  total: string;
  currency: string;
  dueDate: string;
  pdfUrl: string | null;
}

/** An API token as its member (or the account's contact managers) see it: never its
 * secret, which `createApiToken` answers once. */
export interface ApiToken {
  id: string;
  name: string;
  permissions: Permission[];
  /** null: its member's own scope. */
  scope: Scope | null;
  accountId: string | null;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  /** Of its last use (of its creation, until used). */
  lastUsedIp: string | null;
}

export const API_TOKEN_FIELDS = `id name permissions scope { serviceIds domainIds } accountId createdAt expiresAt lastUsedAt lastUsedIp`;

/** One of the viewer's passkeys (never its key: the server keeps only the public half). */
export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  /** When it last signed its user in (null: never). */
  lastUsedAt: string | null;
}

export const PASSKEY_FIELDS = `id name createdAt lastUsedAt`;

/** A passkey ceremony begun: `options` (`{ publicKey: … }`, binary fields as base64url)
 * go to the browser; `challengeId` comes back with a sign-in's answer. */
export interface PasskeyCeremony {
  challengeId: string;
  options: unknown;
}

/** The event types a webhook endpoint can take are not listed here: the section reads
 * them from `Query.webhookEventTypes` when it loads (plain strings, in the server's
 * order; the server refuses any other name with BAD_USER_INPUT). */

export type WebhookDeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** One event for one endpoint. */
export interface WebhookDelivery {
  id: string;
  /** One of `Query.webhookEventTypes`, or `webhook.test`. */
  eventType: string;
  /** Its `webhook-id` header: the same on every attempt. */
  messageId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** The HTTP status of the last attempt's answer, if one came. */
  lastResponseStatus: number | null;
  /** The first KiB of the last answer's body. */
  lastResponseBody: string | null;
  /** Why the last attempt got no answer, when it got none (address refused, connection
   * failed, timed out). */
  lastError: string | null;
  /** While PENDING only. */
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export const WEBHOOK_DELIVERY_FIELDS = `id eventType messageId status attempts lastResponseStatus lastResponseBody lastError nextAttemptAt createdAt deliveredAt`;

/** An endpoint as the account's managers (MANAGE_ACCOUNT) see it: never its secret,
 * which `createWebhookEndpoint` and `rotateWebhookSecret` answer once. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  /** After a rotation: until when the secret before it still signs beside the new one
   * (null when only one secret signs). */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  /** Its most recent deliveries, newest first. */
  deliveries: { totalCount: number; nodes: WebhookDelivery[] };
}

/** How many of an endpoint's deliveries the page lists. */
export const RECENT_DELIVERIES = 10;

export const WEBHOOK_ENDPOINT_FIELDS = `
  id url description eventTypes enabled disabledReason previousSecretExpiresAt createdAt
  deliveries(first: ${RECENT_DELIVERIES}) { totalCount nodes { ${WEBHOOK_DELIVERY_FIELDS} } }
`;

export interface ContactEvent {
  cursor: string;
  kind: 'CREATED' | 'UPDATED' | 'REMOVED' | 'PORTAL_ACCESS_CHANGED';
  contactId: string;
  contact: Contact | null;
}

export interface InvitationEvent {
  cursor: string;
  kind: 'SENT' | 'RESENT' | 'ACCEPTED' | 'REVOKED';
  invitation: Invitation;
}

/** The account being looked at, and what the viewer may do in it. */
export interface AccountContext {
  account: AccountRef;
  role: Role | 'STAFF';
  permissions: Set<Permission>;
  /** Temporary access: when the viewer's membership ends by itself. */
  accessExpiresAt: string | null;
  /** Scoped access: the services and domains the viewer is limited to (null: all). */
  scope: Scope | null;
}
