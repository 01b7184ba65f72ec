# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Our AnsibleAWSModule: the collection's name and version in the user agent, assume_role on every module."""

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.common import COLLECTION_NAME
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.common import COLLECTION_VERSION
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.session import ASSUME_ROLE_SPEC
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import error_code
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.session import ClientFactory
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.validation import remediation_for


class AnsibleElasticDrAWSModule(AnsibleAWSModule):
    """Adds the ``assume_role`` option and ``self.clients`` (STS sessions cached per role and Region)."""

    def __init__(self, **kwargs):
        argument_spec = dict(kwargs.pop("argument_spec", {}) or {})
        argument_spec.setdefault("assume_role", ASSUME_ROLE_SPEC)
        super().__init__(argument_spec=argument_spec, **kwargs)
        set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
        self.clients = ClientFactory(self, self.params.get("assume_role"))

    def fail_aws(self, error, **kwargs):
        """Fail on an AnsibleAWSError with its AWS details and a remediation sentence."""
        code = error_code(error)
        self.fail_json_aws(error.exception or error, msg=error.message, error_code=code,
                           remediation=remediation_for(code), **kwargs)
