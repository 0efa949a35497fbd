// Compile-time only: the shapes src/types.ts declares by hand must hold what the server
// sends, as schema.graphql says (src/generated/graphql.ts, generated from it). A field
// renamed, removed or made nullable there, or an enum value added, fails
// `tsc --noEmit` here rather than in a browser. Nothing imports this file: nothing of it
// runs or is bundled.
import type * as Schema from './generated/graphql';
import type * as Local from './types';

/** The schema type's fields that the local shape declares must fit it (nested objects
 * too: a local object may read fewer fields than the schema has, never others). */
type Fits<S, L> = [Pick<S, Extract<keyof L, keyof S>>] extends [L] ? true : false;
/** The same set of values both ways (enums). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type SchemaConformance = [
  Assert<Same<Local.Role, Schema.Role>>,
  Assert<Same<Local.Permission, Schema.Permission>>,
  Assert<Same<Local.InvitationStatus, Schema.InvitationStatus>>,
  Assert<Same<Local.WebhookDeliveryStatus, Schema.WebhookDeliveryStatus>>,
  Assert<Fits<Schema.Scope, Local.Scope>>,
  Assert<Fits<Schema.Account, Local.AccountRef>>,
  Assert<Fits<Schema.Membership, Local.Membership>>,
  Assert<Fits<Schema.Viewer, Local.Viewer>>,
  Assert<Fits<Schema.Contact, Local.Contact>>,
  Assert<Fits<Schema.Invitation, Local.Invitation>>,
  Assert<Fits<Schema.Invoice, Local.Invoice>>,
  Assert<Fits<Schema.ApiToken, Local.ApiToken>>,
  Assert<Fits<Schema.Passkey, Local.Passkey>>,
  Assert<Fits<Schema.PasskeyCeremony, Local.PasskeyCeremony>>,
  Assert<Fits<Schema.WebhookDelivery, Local.WebhookDelivery>>,
  Assert<Fits<Schema.WebhookEndpoint, Local.WebhookEndpoint>>,
  Assert<Fits<Schema.ContactEvent, Local.ContactEvent>>,
  Assert<Fits<Schema.InvitationEvent, Local.InvitationEvent>>,
];
