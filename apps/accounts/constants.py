INVITATION_SALT = "goalsite.accounts.invitation"
