import pytest

pytestmark = pytest.mark.django_db


def test_it_finds_a_customer_by_phone_with_masked_id(users, customer_a, login):
    phone = customer_a.phones.first().number
    response = login(users["agent"]).get("/customers/", {"q": phone})
    body = response.content.decode()
    assert response.status_code == 200
    assert customer_a.name in body
    assert customer_a.id_number not in body
    assert customer_a.id_number[:3] + "*" * 11 + customer_a.id_number[-4:] in body


def test_it_hides_another_branchs_customer_like_a_missing_one(users, customer_a, login):
    client = login(users["branch_b"])
    assert client.get(f"/customers/{customer_a.pk}/").status_code == 404
    assert client.get("/customers/999999/").status_code == 404
    results = client.get("/customers/", {"q": customer_a.name}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="no-results"' in results
    assert f"/customers/{customer_a.pk}/" not in results


@pytest.mark.parametrize("prefix_len", [3, 7, 11])
def test_it_matches_phone_prefixes(users, customer_a, prefix_len):
    from brokerdesk.customers.selectors import customer_search

    phone = customer_a.phones.first().number
    found = customer_search(users["agent"], phone[:prefix_len])
    assert customer_a in found.items
