## Layout
app-name = Interconnect Registry
nav-label = Main menu
nav-dashboard = Dashboard
nav-organisation = My organisation
nav-users = Users
nav-organisations = Organisations
nav-audit = Audit log
sign-in = Sign in
sign-out = Sign out
signed-in-as = Signed in as { $name }
footer-text = Ministry of Technology and Communications · International connection approvals under Notice No. 258
back-home = Back to the home page
edit = Edit
view = View
save = Save
yes = Yes
older = Older entries
form-has-errors = Some fields need attention. Each problem is shown beside its field.

## Home
home-title = International connections, approved and on record
home-lead = Apply for approval of an international network connection, follow its review by the oversight committee, and check which connections are lawful.
home-providers-title = For providers
home-providers-text = Internet service providers and operators apply for approval, answer the committee's questions and keep their connections in good standing.
home-committee-title = For the committee
home-committee-text = The secretariat checks applications, reviewers examine them, and the committee votes and decides, on a clock set by law.
home-public-title = For everyone
home-public-text = Anyone can check an approval: the public registry lists every approved, suspended, revoked and expired connection.

## Dashboard
dashboard-welcome = Welcome, { $name }.
dashboard-role = Your role:
dashboard-organisation-text = Your organisation's legal particulars, AS numbers and staff.
dashboard-users-text = Create accounts, assign roles and committee membership, deactivate users.
dashboard-organisations-text = Register provider organisations and keep their particulars current.
dashboard-audit-text = Every change and sign-in, in a tamper-evident chain.

## Roles and committee
role-applicant = Applicant
role-org_admin = Organisation administrator
role-secretariat = Secretariat
role-reviewer = Reviewer
role-chair = Committee chair
role-auditor = Auditor
role-admin = System administrator
domain-technical = Technical review
domain-security = Security review
domain-legal = Legal review
committee-membership = Committee membership
status-active = Active
status-inactive = Deactivated

## Fields
field-email = E-mail address
field-password = Password
field-name = Full name
field-role = Role
field-organisation = Organisation
field-language = Language
field-committee_member = Member of the oversight committee
field-status = Status
field-slug = Short name (for addresses)
field-name_en = Legal name in English
field-name_lo = Legal name in Lao
field-registration_number = Enterprise registration number
field-licence_number = Telecommunications licence number
field-address = Registered address
field-asns = AS numbers
field-asns-hint = Public autonomous system numbers, separated by commas, for example AS151234, AS151235.
password-hint = At least 12 characters. A phrase of several words is easy to remember and hard to guess.
language-from-browser = As the browser asks
organisation-none = None (committee or system staff)

## Organisations and users
organisation-members = Staff
organisation-new = Register an organisation
organisation-edit = Edit the organisation's profile
user-new = Create a user
user-edit = Edit a user
user-deactivate = Deactivate this user
user-deactivate-text = A deactivated user is signed out everywhere at once and can no longer sign in. Their records stay.
user-reactivate = Reactivate this user

## Audit
audit-when = When (Vientiane)
audit-who = Who
audit-action = Action
audit-subject = Subject
audit-change = Change
audit-hash = Hash
audit-before = before
audit-after = after
audit-intact = The audit chain is intact: { $count } events verified.
audit-broken = The audit chain is broken at event { $seq }: a record was altered or removed.

## Flash messages
flash-signed-out = You have signed out.
flash-user-created = The user was created.
flash-user-saved = The user's changes were saved.
flash-user-deactivated = The user was deactivated and signed out everywhere.
flash-user-reactivated = The user was reactivated.
flash-organisation-created = The organisation was registered.
flash-organisation-saved = The organisation's profile was saved.

## Errors
error-status = Status
error-request-id = Request id
error-not-found-title = Page not found
error-not-found = There is nothing at this address, or you may not see it.
error-forbidden-title = Not allowed
error-forbidden = Your role does not allow this. If you think it should, ask the system administrator.
error-sign-in-required-title = Please sign in
error-sign-in-required = You need to sign in to see this.
error-csrf-title = Form expired
error-csrf = This form was not accepted because its security token is missing or out of date. Go back, reload the page and send it again.
error-bad-request-title = Request not understood
error-conflict-title = Not possible now
error-internal-title = Something went wrong
error-internal = An unexpected error stopped this request. Nothing was changed. If it happens again, give the request id below to the system administrator.
error-malformed-form = The form could not be read. Reload the page and try again.
error-malformed-json = The request body is not valid JSON of the expected shape.
error-malformed-query = The address contains a parameter that could not be read.
error-not-utf8 = The form contained characters that are not valid text (UTF-8).
error-payload-too-large = The request is larger than this server accepts.
error-invalid-input = Some of the information sent was not valid.
error-bad-credentials = The e-mail address or the password is wrong.
error-too-many-attempts = Too many sign-in attempts. Wait a minute, then try again.
error-required = This field is required.
error-too-long = This is too long.
error-control-characters = This contains invisible control characters; please retype it.
error-email = Enter an e-mail address such as name@example.la.
error-email-taken = Another account already uses this e-mail address.
error-slug = Use 2 to 40 lowercase letters, digits and hyphens, for example lao-skynet.
error-slug-taken = Another organisation already uses this short name.
error-asn = Enter public AS numbers only, such as AS151234 (private and reserved numbers are not accepted).
error-password-short = The password must have at least 12 characters.
error-role = Choose a role.
error-language = Choose Lao or English.
error-review-domain = Choose technical, security or legal review.
error-organisation-required = Applicants and organisation administrators must belong to an organisation.
error-organisation-not-allowed = Only applicants and organisation administrators belong to an organisation.
error-organisation-unknown = This organisation does not exist.
error-committee-role = Only reviewers and the chair can sit on the committee.
error-domains-need-membership = Review areas can be set only for committee members.
error-cannot-deactivate-self = You cannot deactivate your own account.
