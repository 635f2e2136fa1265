"""Moving a model's content type to the app that now owns it, for migrations.

Permissions and admin log entries point at a content type (app label, model). When a model
moves to another app with its table, its content type must move too, or the permissions it
carries stay behind under the old app label and every group and user loses its grants.
"""

from django.apps.registry import Apps


def move_content_types(apps: Apps, old_app: str, new_app: str, models: list[str]) -> None:
    """Relabel `models`' content types from `old_app` to `new_app`, keeping their permissions.

    Where both exist already (another migration created the new one first), the old one's
    grants are carried over to the new one's permission of the same codename, then it goes.
    """
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    for model in models:
        old = content_type_model.objects.filter(app_label=old_app, model=model).first()
        if old is None:
            continue
        new = content_type_model.objects.filter(app_label=new_app, model=model).first()
        if new is None:
            old.app_label = new_app
            old.save(update_fields=["app_label"])
            continue
        for permission in permission_model.objects.filter(content_type=old):
            kept, _ = permission_model.objects.get_or_create(
                content_type=new, codename=permission.codename, defaults={"name": permission.name}
            )
            for group in permission.group_set.all():
                group.permissions.add(kept)
            for user in permission.user_set.all():
                user.user_permissions.add(kept)
            permission.delete()
        old.delete()


def move_back(apps: Apps, old_app: str, new_app: str, models: list[str]) -> None:
    """The reverse of move_content_types."""
    move_content_types(apps, new_app, old_app, models)
