"""brokerdesk: customer-service and CRM platform for securities brokerages (证券公司客户服务体系)."""

__version__ = "0.1.0"
