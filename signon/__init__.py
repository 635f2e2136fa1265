"""Single sign-on: signing people in with their institution's OpenID Connect provider."""
