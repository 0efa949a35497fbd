//! Who asks: the matrix's columns, their permissions on the fixture account (SPEC's role
//! table) and the state their session is in.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Actor {
    /// The fixture account's owner (primary contact).
    Owner,
    Admin,
    Billing,
    Technical,
    /// A CUSTOM member with VIEW_TICKETS and OPEN_TICKETS only.
    Custom,
    /// A TECHNICAL member scoped to the fixture's service and domain (the fixture ticket
    /// is about that service): SPEC "Scoped access", in scope.
    ScopedIn,
    /// A TECHNICAL member scoped to another service and domain of the account: every
    /// fixture object is out of their scope.
    ScopedOut,
    /// An API token of the ADMIN member giving part of what they hold
    /// ([`ADMIN_TOKEN_PERMISSIONS`]): SPEC "API tokens".
    AdminToken,
    /// An API token of SCOPED_IN giving VIEW_SERVICES and VIEW_TICKETS: the member's
    /// scope, narrowed to what the token was given.
    ScopedToken,
    /// An ADMIN added with portal access and a generated password, signed in with the
    /// emailed one and not changed yet (SPEC "Generated passwords are temporary").
    MustChangePassword,
    /// An ADMIN without two-factor sign-in, while the account requires it (SPEC
    /// "Two-factor sign-in").
    NoSecondFactor,
    /// The owner of a different account.
    Other,
    /// No token.
    Anonymous,
    Staff,
}

pub(super) const ACTORS: [Actor; 14] = [
    Actor::Owner,
    Actor::Admin,
    Actor::Billing,
    Actor::Technical,
    Actor::Custom,
    Actor::ScopedIn,
    Actor::ScopedOut,
    Actor::AdminToken,
    Actor::ScopedToken,
    Actor::MustChangePassword,
    Actor::NoSecondFactor,
    Actor::Other,
    Actor::Anonymous,
    Actor::Staff,
];

pub(super) const CUSTOM_PERMISSIONS: &[&str] = &[VIEW_TICKETS, OPEN_TICKETS];
/// What ADMIN_TOKEN was given: some of the admin's permissions — MANAGE_CONTACTS and
/// what the TECHNICAL contacts it adds and invites hold, no invoices, emails or audit.
pub(super) const ADMIN_TOKEN_PERMISSIONS: &[&str] = &[
    VIEW_SERVICES,
    VIEW_SERVICE_PASSWORDS,
    VIEW_DOMAINS,
    VIEW_TICKETS,
    OPEN_TICKETS,
    MANAGE_CONTACTS,
];
pub(super) const SCOPED_TOKEN_PERMISSIONS: &[&str] = &[VIEW_SERVICES, VIEW_TICKETS];

const OWNER_PERMISSIONS: &[&str] = &[
    VIEW_INVOICES,
    PAY_INVOICES,
    VIEW_SERVICES,
    VIEW_SERVICE_PASSWORDS,
    VIEW_DOMAINS,
    VIEW_TICKETS,
    OPEN_TICKETS,
    MANAGE_CONTACTS,
    MANAGE_ACCOUNT,
    VIEW_EMAILS,
    VIEW_AUDIT_LOG,
    TRANSFER_OWNERSHIP,
];
const ADMIN_PERMISSIONS: &[&str] = &[
    VIEW_INVOICES,
    PAY_INVOICES,
    VIEW_SERVICES,
    VIEW_SERVICE_PASSWORDS,
    VIEW_DOMAINS,
    VIEW_TICKETS,
    OPEN_TICKETS,
    MANAGE_CONTACTS,
    MANAGE_ACCOUNT,
    VIEW_EMAILS,
    VIEW_AUDIT_LOG,
];

/// The state a session is in: whether it may use what its role gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SessionState {
    Normal,
    /// Signed in with a generated password: everything but `viewer`, `changePassword`
    /// and `logout` is refused, with this reason.
    PasswordChangeRequired,
    /// A member without a second factor on an account that requires one: everything
    /// on that account is refused, with this reason.
    TwoFactorRequired,
}

/// Where the fixture's service, domain and ticket lie for a scoped actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    In,
    Out,
}

impl SessionState {
    /// The `extensions.reason` of what the state refuses (`None` in the normal state).
    pub(super) fn reason(self) -> Option<&'static str> {
        match self {
            SessionState::Normal => None,
            SessionState::PasswordChangeRequired => Some("PASSWORD_CHANGE_REQUIRED"),
            SessionState::TwoFactorRequired => Some("TWO_FACTOR_REQUIRED"),
        }
    }
}

impl Actor {
    pub(super) fn label(self) -> &'static str {
        match self {
            Actor::Owner => "OWNER",
            Actor::Admin => "ADMIN",
            Actor::Billing => "BILLING",
            Actor::Technical => "TECHNICAL",
            Actor::Custom => "CUSTOM",
            Actor::ScopedIn => "SCOPED_IN",
            Actor::ScopedOut => "SCOPED_OUT",
            Actor::AdminToken => "ADMIN_TOKEN",
            Actor::ScopedToken => "SCOPED_TOKEN",
            Actor::MustChangePassword => "PW_CHANGE",
            Actor::NoSecondFactor => "NO_2FA",
            Actor::Other => "OTHER",
            Actor::Anonymous => "ANONYMOUS",
            Actor::Staff => "STAFF",
        }
    }

    /// The role on the fixture account; `None` for those who are not members of it.
    pub(super) fn role(self) -> Option<&'static str> {
        match self {
            Actor::Owner => Some("OWNER"),
            Actor::Admin
            | Actor::MustChangePassword
            | Actor::NoSecondFactor
            | Actor::AdminToken => Some("ADMIN"),
            Actor::Billing => Some("BILLING"),
            Actor::Technical | Actor::ScopedIn | Actor::ScopedOut | Actor::ScopedToken => {
                Some("TECHNICAL")
            }
            Actor::Custom => Some("CUSTOM"),
            Actor::Other | Actor::Anonymous | Actor::Staff => None,
        }
    }

    /// The permissions the actor's role gives on the fixture account, transcribed from
    /// SPEC's role table (whether the session may use them is [`Actor::state`]'s
    /// business); `None` for those who are not members of it.
    pub(super) fn permissions(self) -> Option<&'static [&'static str]> {
        // A token holds what it was given (all of it its member's).
        match self {
            Actor::AdminToken => return Some(ADMIN_TOKEN_PERMISSIONS),
            Actor::ScopedToken => return Some(SCOPED_TOKEN_PERMISSIONS),
            _ => {}
        }
        match self.role()? {
            "OWNER" => Some(OWNER_PERMISSIONS),
            "ADMIN" => Some(ADMIN_PERMISSIONS),
            "BILLING" => Some(&[VIEW_INVOICES, PAY_INVOICES]),
            "TECHNICAL" => Some(&[
                VIEW_SERVICES,
                VIEW_SERVICE_PASSWORDS,
                VIEW_DOMAINS,
                VIEW_TICKETS,
                OPEN_TICKETS,
            ]),
            _ => Some(CUSTOM_PERMISSIONS),
        }
    }

    pub(super) fn state(self) -> SessionState {
        match self {
            Actor::MustChangePassword => SessionState::PasswordChangeRequired,
            Actor::NoSecondFactor => SessionState::TwoFactorRequired,
            _ => SessionState::Normal,
        }
    }

    /// The login's email (`None` for the anonymous caller).
    pub(super) fn email(self) -> Option<&'static str> {
        Some(match self {
            Actor::Owner => OWNER_EMAIL,
            Actor::Admin => "admin@acme.test",
            Actor::Billing => BILLING_EMAIL,
            Actor::Technical => "technical@acme.test",
            Actor::Custom => "custom@acme.test",
            Actor::ScopedIn | Actor::ScopedToken => "scoped-in@acme.test",
            Actor::ScopedOut => "scoped-out@acme.test",
            Actor::AdminToken => "admin@acme.test",
            Actor::MustChangePassword => "newcomer@acme.test",
            Actor::NoSecondFactor => "no2fa@acme.test",
            Actor::Other => "owner@other.test",
            Actor::Staff => "staff@portal.test",
            Actor::Anonymous => return None,
        })
    }

    /// Whether the world turns two-factor sign-in on for the actor (every member of the
    /// fixture account but the two whose state is the point).
    pub(super) fn has_two_factor(self) -> bool {
        matches!(
            self,
            Actor::Owner
                | Actor::Admin
                | Actor::Billing
                | Actor::Technical
                | Actor::Custom
                | Actor::ScopedIn
                | Actor::ScopedOut
        )
    }

    /// What the actor types as `currentPassword` (the generated one of
    /// `MustChangePassword` is known once the world has read its email: see
    /// `World::password`).
    pub(super) fn password(self) -> &'static str {
        match self {
            Actor::Owner | Actor::Other => OWNER_PASSWORD,
            Actor::Admin
            | Actor::Billing
            | Actor::Technical
            | Actor::Custom
            | Actor::ScopedIn
            | Actor::ScopedOut
            | Actor::AdminToken
            | Actor::ScopedToken
            | Actor::NoSecondFactor => MEMBER_PASSWORD,
            Actor::Staff => STAFF_PASSWORD,
            Actor::MustChangePassword | Actor::Anonymous => "no password",
        }
    }

    /// Whether the actor is scoped, and whether the fixture's objects are in their scope.
    pub(super) fn scope(self) -> Option<Scope> {
        match self {
            Actor::ScopedIn | Actor::ScopedToken => Some(Scope::In),
            Actor::ScopedOut => Some(Scope::Out),
            _ => None,
        }
    }

    /// Whether the actor is an API token (what needs a person refuses it).
    pub(super) fn is_token(self) -> bool {
        matches!(self, Actor::AdminToken | Actor::ScopedToken)
    }

    /// Whether the actor's role gives every permission of `needs`.
    pub(super) fn holds(self, needs: &[&str]) -> bool {
        self.permissions()
            .is_some_and(|held| needs.iter().all(|p| held.contains(p)))
    }
}
