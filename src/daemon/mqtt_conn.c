/* What the MQTT connections have in common (mqtt_conn.h). */
#include "mqtt_conn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>

unsigned hp_mqtt_backoff_next(unsigned delay_s)
{
	return delay_s * 2 > HP_MQTT_RECONNECT_MAX_S ? HP_MQTT_RECONNECT_MAX_S : delay_s * 2;
}

static int setup_tls(struct mosquitto *m, const struct hp_mqtt_config *q)
{
	const char *cert = q->cert_file[0] != '\0' ? q->cert_file : NULL;
	const char *key = q->key_file[0] != '\0' ? q->key_file : NULL;
	int rc;
	if (q->ca_file[0] != '\0') {
		rc = mosquitto_tls_set(m, q->ca_file, NULL, cert, key, NULL);
	} else {
		/* No CA file: the system's certificate store. */
		mosquitto_int_option(m, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
		rc = mosquitto_tls_set(m, NULL, "/etc/ssl/certs", cert, key, NULL);
	}
	/* Verify the broker's certificate (SSL_VERIFY_PEER). */
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_tls_opts_set(m, 1, NULL, NULL);
	if (rc == MOSQ_ERR_SUCCESS && q->tls_insecure)
		rc = mosquitto_tls_insecure_set(m, true);
	return rc;
}

int hp_mqtt_conn_login(struct mosquitto *m, const struct hp_mqtt_config *q, char *err,
		       size_t err_size)
{
	int rc = MOSQ_ERR_SUCCESS;
	if (q->username[0] != '\0' || q->password[0] != '\0')
		rc = mosquitto_username_pw_set(m, q->username,
					       q->password[0] != '\0' ? q->password : NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, err_size, "client setup: %s", mosquitto_strerror(rc));
		return -1;
	}
	rc = q->tls ? setup_tls(m, q) : MOSQ_ERR_SUCCESS;
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, err_size, "TLS setup (ca_file, cert_file, key_file): %s",
			 mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

void hp_mqtt_conn_note_errno(int *cause, int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ETIMEDOUT:
		/* The socket reports its error once; later writes only see EPIPE. */
		if (*cause == 0 || *cause == EPIPE)
			*cause = err;
		break;
	case EPIPE:
		if (*cause == 0)
			*cause = err;
		break;
	default:
		break;
	}
}

int hp_mqtt_conn_waiting(struct mosquitto *m, int64_t started_mono, int64_t now_mono, int *cause)
{
	if (hp_mqtt_conn_dead(m, cause))
		return *cause != 0 ? MOSQ_ERR_ERRNO : MOSQ_ERR_CONN_LOST;
	if (now_mono - started_mono <= HP_MQTT_CONNECT_TIMEOUT_MS)
		return MOSQ_ERR_SUCCESS;
	mosquitto_disconnect(m);
	return MOSQ_ERR_KEEPALIVE;
}

bool hp_mqtt_conn_dead(struct mosquitto *m, int *cause)
{
	int fd = mosquitto_socket(m);
	if (fd < 0)
		return false;
	int so = 0;
	socklen_t len = sizeof(so);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) == 0 && so != 0)
		hp_mqtt_conn_note_errno(cause, so);
	/* A TCP socket that was connecting and is closed now polls as hung up; one
	 * still connecting polls as nothing. */
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, 0) != 1)
		return so != 0;
	return so != 0 || (p.revents & (POLLHUP | POLLERR)) != 0;
}
