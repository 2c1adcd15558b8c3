from django.contrib.auth.models import Permission

from accounts.models import User
from core.testing import Personas, make_user


class PermissionsInOneQueryTest(Personas):
    def fresh(self, user) -> User:
        return User.objects.get(pk=user.pk)  # no permission cache yet

    def test_a_role_and_a_permission_of_the_user_are_read_in_one_query(self):
        user = make_user("both@a.test", self.org_a, "contact_point")
        user.user_permissions.add(Permission.objects.get(codename="view_audit_log"))
        user = self.fresh(user)
        with self.assertNumQueries(1):
            self.assertTrue(user.has_perm("plans.report_progress"))  # from the role
            self.assertTrue(user.has_perm("audit.view_audit_log"))  # given to the user
            self.assertFalse(user.has_perm("plans.coordinate_plans"))

    def test_it_answers_as_django_does(self):
        from django.contrib.auth.backends import ModelBackend

        for user in (self.coordinator, self.contact_a, self.dpo, self.reader, self.editor_a):
            ours = self.fresh(user).get_all_permissions()
            django = ModelBackend().get_all_permissions(self.fresh(user))
            self.assertEqual(ours, django, user.email)
            self.assertTrue(ours or user == self.reader)

    def test_a_superuser_has_every_permission_and_an_inactive_user_none(self):
        root = make_user("root@a.test", self.org_a)
        root.is_superuser = True
        root.save()
        self.assertTrue(self.fresh(root).has_perm("cases.view_casefile"))
        self.coordinator.is_active = False
        self.coordinator.save()
        self.assertFalse(self.fresh(self.coordinator).has_perm("plans.coordinate_plans"))
