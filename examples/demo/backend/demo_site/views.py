from django.http import JsonResponse


def whoami(request):
    """Who the session cookie belongs to: what the Reflex stand-in asks with its handshake cookie."""
    user = request.user
    return JsonResponse({"user": user.get_username() if user.is_authenticated else None})
