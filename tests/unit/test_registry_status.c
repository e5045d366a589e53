/* SPDX-License-Identifier: MIT */
/* test_registry_status.c -- registry_status(): every known service with its replicas, each
 * served or with the reason it is not (stopped, paused, starting, unhealthy), as /status
 * shows them. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/registry.h"
#include "tap.h"

static engine_container_t container(const char *id, const char *name, const char *service,
                                    const char *ip, bool running, bool paused,
                                    enum engine_health health, engine_label_t *label,
                                    engine_network_t *net)
{
	*label = (engine_label_t){"fleetdns.service", service};
	*net = (engine_network_t){"bridge", ip, ""};
	return (engine_container_t){.id = id,
	                            .name = name,
	                            .running = running,
	                            .paused = paused,
	                            .health = health,
	                            .labels = label,
	                            .nlabels = 1,
	                            .networks = net,
	                            .nnetworks = 1};
}

int main(void)
{
	conf_engine_t e1 = {.name = "node1", .url = "unix:///x", .timeout_ms = 1000};
	conf_fleet_t fleet = {.ttl = 5, .compose_labels = true, .swarm_labels = true};
	registry_t *r = registry_new(&fleet);
	engine_label_t labels[5];
	engine_network_t nets[5];
	engine_container_t cs[5] = {
	    container("a1", "web-1", "web", "172.17.0.2", true, false, HEALTH_HEALTHY, &labels[0],
	              &nets[0]),
	    container("a2", "web-2", "web", "172.17.0.3", true, false, HEALTH_UNHEALTHY, &labels[1],
	              &nets[1]),
	    container("a3", "web-3", "web", "172.17.0.4", true, true, HEALTH_NONE, &labels[2],
	              &nets[2]),
	    container("a4", "web-4", "web", "172.17.0.5", true, false, HEALTH_STARTING, &labels[3],
	              &nets[3]),
	    container("b1", "api-1", "api", "172.17.0.9", false, false, HEALTH_NONE, &labels[4],
	              &nets[4]),
	};
	const engine_container_t *list[5] = {&cs[0], &cs[1], &cs[2], &cs[3], &cs[4]};
	ok(registry_engine_sync(r, &e1, list, 5) == 0, "five containers listed");
	json_object *st = registry_status(r);
	const char *text = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN);
	is_str(text,
	       "[{\"name\":\"web\",\"replicas_known\":4,\"replicas_served\":1,\"replicas\":["
	       "{\"engine\":\"node1\",\"container\":\"a1\",\"name\":\"web-1-node1\",\"ipv4\":"
	       "\"172.17.0.2\",\"ipv6\":null,\"health\":\"healthy\",\"served\":true,\"weight\":1,"
	       "\"reason\":null},"
	       "{\"engine\":\"node1\",\"container\":\"a2\",\"name\":\"web-2-node1\",\"ipv4\":"
	       "\"172.17.0.3\",\"ipv6\":null,\"health\":\"unhealthy\",\"served\":false,\"weight\":"
	       "1,\"reason\":"
	       "\"unhealthy\"},"
	       "{\"engine\":\"node1\",\"container\":\"a3\",\"name\":\"web-3-node1\",\"ipv4\":"
	       "\"172.17.0.4\",\"ipv6\":null,\"health\":\"none\",\"served\":false,\"weight\":1,"
	       "\"reason\":"
	       "\"paused\"},"
	       "{\"engine\":\"node1\",\"container\":\"a4\",\"name\":\"web-4-node1\",\"ipv4\":"
	       "\"172.17.0.5\",\"ipv6\":null,\"health\":\"starting\",\"served\":false,\"weight\":1,"
	       "\"reason\":"
	       "\"starting\"}]},"
	       "{\"name\":\"api\",\"replicas_known\":1,\"replicas_served\":0,\"replicas\":["
	       "{\"engine\":\"node1\",\"container\":\"b1\",\"name\":\"api-1-node1\",\"ipv4\":"
	       "\"172.17.0.9\",\"ipv6\":null,\"health\":\"none\",\"served\":false,\"weight\":1,"
	       "\"reason\":"
	       "\"stopped\"}]}]",
	       "each replica served, or with why not");
	char *text_before = strdup(text);
	json_object_put(st);

	/* Maintenance: drained, every replica is withheld as "drained"; undrained, each is back
	 * to its own state; a container update while drained stays withheld. */
	size_t served;
	registry_replica_count(r, &served);
	is_int((long long)served, 1, "one replica served before the drain");
	ok(registry_engine_drain(r, "node1", true) == 0 && registry_engine_drained(r, "node1"),
	   "node1 drained");
	registry_replica_count(r, &served);
	is_int((long long)served, 0, "drained: none served");
	ok(registry_container_update(r, &e1, &cs[0]) == 0, "web-1 updated while drained");
	st = registry_status(r);
	json_object *web = json_object_array_get_idx(st, 0), *reps, *first, *v;
	json_object_object_get_ex(web, "replicas", &reps);
	first = json_object_array_get_idx(reps, 0);
	json_object_object_get_ex(first, "reason", &v);
	is_str(json_object_get_string(v), "drained", "web-1 withheld: drained");
	json_object_put(st);
	ok(registry_engine_drain(r, "node1", false) == 0 && !registry_engine_drained(r, "node1"),
	   "node1 undrained");
	registry_replica_count(r, &served);
	is_int((long long)served, 1, "undrained: web-1 served again, the others by their state");
	st = registry_status(r);
	is_str(json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN), text_before,
	       "undrained: the status as before the drain");
	json_object_put(st);
	free(text_before);
	registry_engine_down(r, "node1");
	st = registry_status(r);
	is_str(json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN),
	       "[{\"name\":\"web\",\"replicas_known\":0,\"replicas_served\":0,\"replicas\":[]},"
	       "{\"name\":\"api\",\"replicas_known\":0,\"replicas_served\":0,\"replicas\":[]}]",
	       "engine down: services stay known, with no replicas");
	json_object_put(st);
	registry_free(r);
	return done_testing();
}
